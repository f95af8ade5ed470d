/**
 * An event type: the kind of session a credit, a pack or a membership pays for, and a class type
 * is of (`yoga`, `pilates-mat`, `pt`). One slug rule, shared by every context that names them.
 */
export const EVENT_TYPE = /^[a-z0-9][a-z0-9_-]{0,62}$/;
