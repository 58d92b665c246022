/**
 * The catalogue of diagnostic codes: one kebab-case code per kind of mistake,
 * with the one-line explanation shown in docs and `--format json`.
 */
export const diagnosticCodes = {
  // lexer
  'unexpected-character': 'A character that cannot start any token.',
  'unterminated-string': 'A string literal without its closing quote on the same line.',
  'unterminated-comment': 'A `/*` comment without its closing `*/`.',
  'malformed-number': 'A word that starts with a digit but is not an integer, hex integer or size.',
  'number-too-large': 'An integer or size beyond 2^53 - 1, the largest the interpreter represents exactly.',
  // parser
  'syntax-error': 'The text does not follow the grammar at this point.',
  'missing-separator': 'Two statements or scenario lines on one line without a `;` between them.',
  'invalid-assignment-target': 'The left side of `=` is not a name or a field.',
  'not-a-statement': 'An expression used as a statement that does nothing: a statement is a call, an assignment or a keyword statement.',
  // declarations
  'unknown-module': '`use` names a stdlib module that does not exist.',
  'missing-file': '`use "file"` names a file the host cannot read.',
  'use-cycle': '`use "file"` closes a cycle of files that use each other.',
  'invalid-target': '`target linux X.Y` given twice, or naming a version the stdlib cannot place.',
  'not-in-target': 'A primitive or spelling the targeted kernel does not have yet (it came with a later commit).',
  'duplicate-declaration': 'Two declarations of the same kind of thing with one name in one scope.',
  'duplicate-property': 'A property given twice (a provider `bar`, a device `bar N`, a host bridge `iommu`).',
  'missing-property': 'A declaration lacks a property it needs (a provider without `device` or `bar`).',
  'unknown-device': 'A name used as a PCI device is not a device of the topology.',
  'invalid-parent': '`under` names something that cannot have children (a device) or does not exist.',
  'unknown-bar': 'A provider names a BAR its device does not declare.',
  'invalid-value': 'A value outside its range (a BAR index above 5, a provider kind other than `p2pdma`).',
  // ops tables
  'unknown-opstype': 'An ops table names an ops type that is not declared.',
  'unknown-slot': 'An ops table fills a slot its ops type does not have.',
  'missing-required-slot': 'An ops table lacks a slot its ops type marks `required`.',
  'slot-kind-mismatch': 'A flag given a callback body, or a callback slot given a value that is not a `fn`.',
  // names and types
  'unknown-name': 'A name that resolves to nothing in scope.',
  'unknown-type': 'A type name that is neither built in nor a model kind.',
  'unknown-member': 'A field or method that the value’s type does not have.',
  'assign-to-undeclared': 'An assignment to a name that is not a local, a parameter or a state field.',
  'not-assignable': 'An assignment to something that is not a variable or state field.',
  'unknown-driver': 'A scenario or event names a driver that is not declared.',
  'unknown-action': 'A call of a driver action that the driver does not declare.',
  'not-callable': 'A call of something that is not a function, primitive or action.',
  'wrong-arity': 'A call, callback or pattern with the wrong number of arguments.',
  'type-mismatch': 'A value of one type where another is needed.',
  'not-a-mutex': '`lock` or `held` on something that is not a mutex.',
  'not-freeable': '`free` of something that is not an object of a kind the spec declares.',
  'component-callback': 'A component (a driver without `for`) with a `probe` or `remove`: it binds to no device.',
  'component-lifecycle': '`bind`, `unbind` or `unplug` names a component, which is there for the whole scenario.',
  // constraints and scenarios
  'unknown-kind': 'A constraint names an object kind the models do not have.',
  'unknown-event': 'A pattern names an event that no primitive, callback or lifecycle step produces.',
  'unknown-rule': '`expect violation` or `allow` names a rule that is not declared or loaded.',
  'duplicate-expect': 'A scenario with more than one `expect` line.',
} as const;

export type DiagnosticCode = keyof typeof diagnosticCodes;
