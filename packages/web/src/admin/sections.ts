import type { Section } from '../console/section.js';
import { operatorsSection } from './operators.js';
import type { SignedInOperator } from './who.js';

/** The operator console's sections, in the navigation's order: add a section here, one line. */
export const ADMIN_SECTIONS: readonly Section<SignedInOperator>[] = [
  operatorsSection,
];
