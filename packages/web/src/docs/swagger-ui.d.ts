// swagger-ui-dist ships no types; this page uses only the constructor and these options.
declare module 'swagger-ui-dist/swagger-ui-bundle.js' {
  interface SwaggerUIOptions {
    url: string;
    dom_id: string;
    deepLinking?: boolean;
    supportedSubmitMethods?: string[];
    defaultModelsExpandDepth?: number;
    docExpansion?: 'list' | 'full' | 'none';
    validatorUrl?: string | null;
  }
  const SwaggerUIBundle: (options: SwaggerUIOptions) => unknown;
  export default SwaggerUIBundle;
}
