// The request classes' rules compiled, once per class, into plain functions for the hot path (#17, #19): class-validator
// after class-transformer costs tens of microseconds per alert, mostly in its generic machinery (metadata look-ups,
// error objects, argument objects), not in the rules. The classes stay the one definition: this file reads their
// decorators from the two libraries' metadata storages and knows only how each named rule decides.
//
// The contract is one-sided. accepts(plain) is true only when class-validator, with the same options, after
// plainToInstance, would report no error at all; for anything it is not sure of (a rule it does not know, a value that
// is not plain JSON, a gap in an array) it says false and the caller runs class-validator as before, which gives the
// exact messages. A class it cannot follow (groups, `always`, @Transform, a nested class without @Type...) does not
// compile at all. Framework-free, so the web compose page can use it as well.
// apps/web type-checks this file (the compose page imports it) without the declaration in its program.
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="./class-transformer-storage.d.ts" />
import { TransformationType, type ClassConstructor } from 'class-transformer';
import { defaultMetadataStorage } from 'class-transformer/cjs/storage';
import {
  ARRAY_MAX_SIZE,
  ARRAY_MIN_SIZE,
  getMetadataStorage,
  IS_ARRAY,
  IS_BASE64,
  IS_OBJECT,
  IS_IN,
  IS_INT,
  IS_NUMBER,
  IS_OPTIONAL,
  IS_STRING,
  IS_UUID,
  MATCHES,
  MAX,
  MAX_LENGTH,
  MIN,
  MIN_LENGTH,
  ValidationTypes,
} from 'class-validator';

export interface CompileOptions {
  /** class-validator's skipMissingProperties: a present property that is null or undefined is not checked */
  skipMissingProperties?: boolean;
  /** paths (dotted, array indexes left out, as FREE_TEXT_BEFORE_CODES names them) whose isIn rule is dropped */
  ignoreIsInAt?: readonly string[];
}

/** A request class compiled; whitelist and forbidNonWhitelisted are always on (every caller uses them). */
export interface CompiledRequest<T> {
  /** true only when class-validator would find nothing wrong with plainToInstance(cls, plain) */
  accepts(plain: unknown): boolean;
  /** plainToInstance(cls, plain) for a value accepts() took: the same classes, keys, key order and values */
  instantiate(plain: unknown): T;
}

type Rule = (value: unknown) => boolean;

interface Property {
  name: string;
  /** @IsOptional: null and undefined skip every rule of the property */
  optional: boolean;
  /** rules of the value as a whole (each: false) and of each item when the value is an array (each: true) */
  whole: Rule[];
  each: Rule[];
  /** @ValidateNested with its @Type class */
  nested?: CompiledClass;
}

interface CompiledClass {
  cls: new () => object;
  properties: Property[];
  byName: Map<string, Property>;
}

type ValidationMetadata = ReturnType<
  ReturnType<typeof getMetadataStorage>['getTargetValidationMetadatas']
>[number];

/** Strings that are not what they look like to class-validator's length rules (it counts these pairs as one). */
const COMBINING = /[\uD800-\uDFFF]|\uFE0E|\uFE0F/;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}

/**
 * The rule a constraint name stands for, or undefined when it is not one this file knows. `exact` is the constraint's
 * own validate function: used where the short form would not be exactly class-validator's, and for the project's own
 * rules (plainText, notInFuture), which depend on the value alone.
 */
function ruleOf(name: string, constraints: unknown[] | undefined, exact: Rule): Rule | undefined {
  const c = constraints?.[0];
  switch (name) {
    case IS_STRING:
      // A String object passes class-validator too; not plain JSON, so the slow path takes it.
      return (v) => typeof v === 'string';
    case IS_NUMBER:
      // No options: finite numbers only (NaN and Infinity are refused unless allowed, which goes the exact way).
      return c && Object.keys(c).length ? exact : (v) => typeof v === 'number' && Number.isFinite(v);
    case IS_INT:
      return (v) => typeof v === 'number' && Number.isInteger(v);
    case MIN:
      return typeof c === 'number' ? (v) => typeof v === 'number' && v >= c : undefined;
    case MAX:
      return typeof c === 'number' ? (v) => typeof v === 'number' && v <= c : undefined;
    case IS_IN: {
      if (!Array.isArray(c) || !c.every((x) => typeof x === 'string')) {
        return exact;
      }
      const codes = new Set<unknown>(c);
      return (v) => typeof v === 'string' && codes.has(v);
    }
    case IS_ARRAY:
      return Array.isArray;
    case IS_OBJECT:
      // class-validator: not null or undefined, an object or a function, not an array (JSON has no functions).
      return (v) => typeof v === 'object' && v !== null && !Array.isArray(v);
    case ARRAY_MAX_SIZE:
      return typeof c === 'number' ? (v) => Array.isArray(v) && v.length <= c : undefined;
    case ARRAY_MIN_SIZE:
      return typeof c === 'number' ? (v) => Array.isArray(v) && v.length >= c : undefined;
    case MAX_LENGTH:
      // class-validator counts a surrogate pair or a character with its variation selector as one: never more than
      // .length, so within .length is within the rule; beyond it, its own count decides.
      return typeof c === 'number' ? (v) => typeof v === 'string' && (v.length <= c || exact(v)) : undefined;
    case MIN_LENGTH:
      return typeof c === 'number'
        ? (v) => typeof v === 'string' && ((v.length >= c && !COMBINING.test(v)) || exact(v))
        : undefined;
    case MATCHES: {
      // validator.js calls str.match(pattern): for a RegExp without g or y that is pattern.test, which neither reads
      // nor moves lastIndex. Anything else (a string pattern, flags g/y, a subclass) goes the exact way.
      const plainRegExp =
        c instanceof RegExp && c.constructor === RegExp && !c.global && !c.sticky ? c : undefined;
      return plainRegExp ? (v) => typeof v === 'string' && plainRegExp.test(v) : exact;
    }
    case IS_UUID:
    case IS_BASE64:
    case 'plainText':
    case 'notInFuture':
      return exact;
    default:
      return undefined;
  }
}

/** The property's rules, or undefined when one of them is not one this file follows. */
function compileProperty(
  cls: new () => object,
  name: string,
  metadatas: ValidationMetadata[],
  path: string,
  options: CompileOptions,
  stack: Set<unknown>,
): Property | undefined {
  // A name that class-transformer skips or treats specially ('__proto__', 'constructor', a method of Object or of
  // the class): plainToInstance would not copy it as given.
  if (name === '__proto__' || name === 'prototype' || name in Object.prototype || name in cls.prototype) {
    return undefined;
  }
  if (defaultMetadataStorage.findTransformMetadatas(cls, name, TransformationType.PLAIN_TO_CLASS).length) {
    return undefined;
  }
  const property: Property = { name, optional: false, whole: [], each: [] };
  let nested = false;
  for (const m of metadatas) {
    if (m.groups?.length || m.always !== undefined || typeof m.target !== 'function') {
      return undefined;
    }
    switch (m.type) {
      case ValidationTypes.CONDITIONAL_VALIDATION:
        if (m.name !== IS_OPTIONAL) {
          return undefined; // @ValidateIf: a condition on the whole object
        }
        property.optional = true;
        break;
      case ValidationTypes.NESTED_VALIDATION:
        nested = true;
        break;
      case ValidationTypes.WHITELIST:
        break; // @Allow: known, no rule
      case ValidationTypes.CUSTOM_VALIDATION: {
        const implementations = getMetadataStorage().getTargetValidatorConstraints(m.constraintCls);
        const impl = implementations[0];
        if (implementations.length !== 1 || impl.async || !impl.name) {
          return undefined;
        }
        if (impl.name === IS_IN && options.ignoreIsInAt?.includes(path)) {
          break;
        }
        // Only the value and the constraints: what every rule named in ruleOf reads of its arguments.
        const args = {
          targetName: cls.name,
          property: name,
          object: {},
          value: undefined,
          constraints: m.constraints,
        };
        const instance = impl.instance as { validate(value: unknown, a: typeof args): unknown };
        const rule = ruleOf(impl.name, m.constraints, (v) => instance.validate(v, args) === true);
        if (!rule) {
          return undefined;
        }
        (m.each ? property.each : property.whole).push(rule);
        break;
      }
      default:
        return undefined; // isDefined, promiseValidation: not used by the request classes
    }
  }
  const type = defaultMetadataStorage.findTypeMetadata(cls, name);
  if (!nested) {
    // @Type without @ValidateNested would convert (Number, Date...) or build an unchecked instance.
    return type ? undefined : property;
  }
  if (!type || type.options?.discriminator || !type.typeFunction) {
    return undefined; // a nested plain object would stay an Object, which class-validator has no rules for
  }
  let target: unknown;
  try {
    target = type.typeFunction({ newObject: undefined, object: {}, property: name });
  } catch {
    return undefined;
  }
  // An array value becomes `new reflectedType()` when that has push (a Set stays a Set): only a plain array is followed.
  const reflected: unknown = type.reflectedType;
  if (reflected !== undefined && reflected !== Array && reflected !== Object && reflected !== target) {
    return undefined;
  }
  if (typeof target !== 'function' || 'push' in target.prototype) {
    return undefined;
  }
  property.nested = compileClass(target as new () => object, path, options, stack);
  return property.nested ? property : undefined;
}

function compileClass(
  cls: new () => object,
  path: string,
  options: CompileOptions,
  stack: Set<unknown>,
): CompiledClass | undefined {
  if (stack.has(cls)) {
    return undefined; // a class that nests itself: not in the request classes, not worth a lazy compile
  }
  const storage = getMetadataStorage();
  // The same call class-validator makes for an object of this class when no groups are given.
  const metadatas = storage.getTargetValidationMetadatas(cls, '', false, false, undefined);
  if (!metadatas.length) {
    return undefined; // no rules at all: class-validator reports an unknown value (or nothing, as Nest sets it)
  }
  if (
    defaultMetadataStorage.getStrategy(cls) !== 'none' ||
    defaultMetadataStorage.getExposedMetadatas(cls).length ||
    defaultMetadataStorage.getExcludedMetadatas(cls).length
  ) {
    return undefined;
  }
  const grouped = storage.groupByPropertyName(metadatas);
  // What `new cls()` holds already is validated too: a field without a rule fails the whitelist, a default value
  // would be checked in place of an absent one.
  let blank: object;
  try {
    blank = new cls();
  } catch {
    return undefined;
  }
  for (const [key, value] of Object.entries(blank)) {
    if (!grouped[key] || value !== undefined) {
      return undefined;
    }
  }
  stack.add(cls);
  const properties: Property[] = [];
  for (const [name, list] of Object.entries(grouped)) {
    const property = compileProperty(cls, name, list, path ? `${path}.${name}` : name, options, stack);
    if (!property) {
      stack.delete(cls);
      return undefined;
    }
    properties.push(property);
  }
  stack.delete(cls);
  return { cls, properties, byName: new Map(properties.map((p) => [p.name, p])) };
}

function primitive(value: unknown): boolean {
  const t = typeof value;
  return value === null || t === 'string' || t === 'number' || t === 'boolean';
}

function allPass(rules: Rule[], value: unknown): boolean {
  for (const rule of rules) {
    if (!rule(value)) {
      return false;
    }
  }
  return true;
}

function acceptsProperty(p: Property, value: unknown, skipMissing: boolean): boolean {
  if (value === null || value === undefined) {
    if (p.optional || skipMissing) {
      return true;
    }
    // Absent, a nested object is not looked into (class-validator skips undefined) but its other rules apply; null is
    // "not an object" to @ValidateNested, and left to the slow path elsewhere.
    return value === undefined && allPass(p.whole, value) && allPass(p.each, value);
  }
  if (!allPass(p.whole, value)) {
    return false;
  }
  if (!Array.isArray(value)) {
    // Objects only where a nested class takes them: elsewhere plainToInstance would copy them in its own way.
    return (
      allPass(p.each, value) && (p.nested ? acceptsNested(p.nested, value, skipMissing) : primitive(value))
    );
  }
  for (let i = 0; i < value.length; i++) {
    const item: unknown = value[i];
    // A gap reads as undefined (JSON has neither): the slow path sees what class-transformer makes of it.
    if (item === undefined || !allPass(p.each, item)) {
      return false;
    }
    if (p.nested ? !acceptsNestedItem(p.nested, item, skipMissing) : !primitive(item)) {
      return false;
    }
  }
  return true;
}

/** What @ValidateNested takes: an object of the class, or an array (of arrays...) of them, whatever `each` says. */
function acceptsNested(c: CompiledClass, value: unknown, skipMissing: boolean): boolean {
  if (!Array.isArray(value)) {
    return acceptsObject(c, value, skipMissing);
  }
  for (let i = 0; i < value.length; i++) {
    if (!acceptsNestedItem(c, value[i], skipMissing)) {
      return false;
    }
  }
  return true;
}

/** An item of a nested array: with skipMissingProperties class-validator passes over a null one. */
function acceptsNestedItem(c: CompiledClass, item: unknown, skipMissing: boolean): boolean {
  return (item === null && skipMissing) || (item !== undefined && acceptsNested(c, item, skipMissing));
}

function acceptsObject(c: CompiledClass, plain: unknown, skipMissing: boolean): boolean {
  if (!isPlainObject(plain)) {
    return false;
  }
  for (const key in plain) {
    if (!c.byName.has(key)) {
      return false; // whitelist with forbidNonWhitelisted (and inherited keys are not JSON)
    }
  }
  for (const p of c.properties) {
    if (!acceptsProperty(p, plain[p.name], skipMissing)) {
      return false;
    }
  }
  return true;
}

/** plainToInstance for an accepted value: `new cls()`, then each given key in order, nested values as their class. */
function instantiateObject(c: CompiledClass, plain: Record<string, unknown>): object {
  const instance = new c.cls() as Record<string, unknown>;
  for (const key of Object.keys(plain)) {
    const value = plain[key];
    const nested = c.byName.get(key)?.nested;
    instance[key] = nested ? instantiateNested(nested, value) : Array.isArray(value) ? value.slice() : value;
  }
  return instance;
}

/** A nested value as class-transformer builds it: arrays copied item by item, null kept, objects as the class. */
function instantiateNested(c: CompiledClass, value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map((item) => instantiateNested(c, item));
  }
  return isPlainObject(value) ? instantiateObject(c, value) : value;
}

const cache = new WeakMap<object, Map<string, CompiledRequest<object> | null>>();

/**
 * The request class compiled for these options, or undefined when it uses a rule or feature this file does not
 * follow (the caller then always takes class-validator's path). Compiled once per class and options.
 */
export function compiledRequest<T extends object>(
  cls: ClassConstructor<T>,
  options: CompileOptions = {},
): CompiledRequest<T> | undefined {
  const key = `${options.skipMissingProperties === true}|${(options.ignoreIsInAt ?? []).join(',')}`;
  let perClass = cache.get(cls);
  if (!perClass) {
    perClass = new Map();
    cache.set(cls, perClass);
  }
  let compiled = perClass.get(key);
  if (compiled === undefined) {
    const root = compileClass(cls, '', options, new Set());
    const skipMissing = options.skipMissingProperties === true;
    compiled = root
      ? {
          accepts: (plain) => acceptsObject(root, plain, skipMissing),
          instantiate: (plain) => instantiateObject(root, plain as Record<string, unknown>),
        }
      : null;
    perClass.set(key, compiled);
  }
  return (compiled ?? undefined) as CompiledRequest<T> | undefined;
}
