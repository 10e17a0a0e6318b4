/**
 * @packageDocumentation
 * placeholder
 */
export {};
