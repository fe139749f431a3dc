// The API reference page (/docs): Swagger UI, bundled at build time (nothing from a CDN), renders
// the server's own OpenAPI document. "Try it out" is off: merchant calls must be signed with a key
// this page never has, and the page APIs act on a live session.
import SwaggerUIBundle from 'swagger-ui-dist/swagger-ui-bundle.js';
import 'swagger-ui-dist/swagger-ui.css';
import './docs.css';

SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#api',
  deepLinking: true,
  supportedSubmitMethods: [],
  defaultModelsExpandDepth: 0,
  docExpansion: 'list',
  validatorUrl: null,
});
