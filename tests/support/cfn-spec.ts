import { schema, specification } from '@aws-cdk/cfnspec';

import type { CfnTemplate } from './template';

/**
 * Checks a CloudFormation template against the CloudFormation resource specification
 * (`@aws-cdk/cfnspec`): resource types, property names, required properties and the shape of every
 * value (primitive types, lists, maps, nested property types), plus the targets of `Ref`,
 * `Fn::GetAtt`, `Fn::Sub` and `DependsOn`. CloudFormation itself only finds these at deploy time,
 * one at a time; this finds them all at package time.
 *
 * Values are judged as CloudFormation converts them: a scalar goes where a String goes, a numeric
 * string where a number goes, `"true"`/`"false"` where a Boolean goes. An intrinsic function is
 * accepted where a value goes when what it can return fits (`Fn::Join` and `Fn::Sub` return a
 * string, `Fn::Split`, `Fn::GetAZs` and `Fn::Cidr` a list, the others anything); both branches of
 * `Fn::If` are checked against the place they fill.
 *
 * The specification is the one `@aws-cdk/cfnspec` ships (its `cfn.version`); a property AWS added
 * after it reads as unknown here: update the package (or move to its successor,
 * `@aws-cdk/service-spec`) rather than allow-listing the property.
 */

/** One thing wrong with a template: where it is and what is wrong. */
export interface SpecProblem {
  readonly logicalId: string;
  /** The path inside the resource, e.g. `Properties.LifecycleConfiguration.Rules[2].Prefix`. */
  readonly path: string;
  readonly problem: string;
}

/** `LogicalId Properties.A.B[0]: what is wrong`, the line a failing test prints. */
export function formatProblem(p: SpecProblem): string {
  return `${p.logicalId} ${p.path}: ${p.problem}`;
}

/** Every problem of every resource of the template, in template order. */
export function checkTemplate(
  template: CfnTemplate & { Parameters?: Record<string, unknown>; Conditions?: Record<string, unknown> },
  spec: schema.Specification = specification(),
): SpecProblem[] {
  const checker = new TemplateChecker(template, spec);
  for (const [logicalId, resource] of Object.entries(template.Resources))
    checker.checkResource(logicalId, resource);
  for (const [name, output] of Object.entries(template.Outputs ?? {}))
    checker.checkReferences(`Outputs.${name}`, 'Value', output);
  return checker.problems;
}

/** The attributes CloudFormation accepts on a resource besides its type. */
const RESOURCE_ATTRIBUTES = new Set([
  'Type',
  'Properties',
  'DependsOn',
  'DeletionPolicy',
  'UpdateReplacePolicy',
  'Condition',
  'Metadata',
  'CreationPolicy',
  'UpdatePolicy',
]);
const DELETION_POLICIES = new Set(['Delete', 'Retain', 'RetainExceptOnCreate', 'Snapshot']);

/** What an intrinsic function can evaluate to. */
type IntrinsicResult = 'string' | 'list' | 'any';
const INTRINSIC_RESULT: Record<string, IntrinsicResult> = {
  'Fn::Join': 'string',
  'Fn::Sub': 'string',
  'Fn::Base64': 'string',
  'Fn::Split': 'list',
  'Fn::GetAZs': 'list',
  'Fn::Cidr': 'list',
};

type Json = unknown;
type Obj = Record<string, Json>;

const isObject = (v: Json): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The one key of an intrinsic function call (`{ "Ref": … }`, `{ "Fn::…": … }`), else undefined. */
function intrinsicName(v: Json): string | undefined {
  if (!isObject(v)) return undefined;
  const keys = Object.keys(v);
  const [only] = keys;
  if (keys.length !== 1 || only === undefined) return undefined;
  return only === 'Ref' || only.startsWith('Fn::') ? only : undefined;
}

const describe = (v: Json): string => {
  if (Array.isArray(v)) return 'a list';
  if (v === null) return 'null';
  if (isObject(v)) return 'an object';
  return `${typeof v} ${JSON.stringify(v)}`;
};

/** Whether a scalar fits a primitive type, as CloudFormation converts values. */
function fitsPrimitive(type: string, v: Json): boolean {
  switch (type) {
    case 'String':
    case 'Timestamp':
      return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
    case 'Integer':
    case 'Long':
      return (typeof v === 'number' && Number.isInteger(v)) || (typeof v === 'string' && /^-?\d+$/.test(v));
    case 'Double':
      return (
        (typeof v === 'number' && Number.isFinite(v)) ||
        (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)))
      );
    case 'Boolean':
      return typeof v === 'boolean' || (typeof v === 'string' && /^(true|false)$/i.test(v));
    case 'Json':
      return isObject(v) || Array.isArray(v) || typeof v === 'string';
    default:
      throw new Error(`unknown primitive type ${type} in the resource specification`);
  }
}

const at = (path: string, key: string): string => (path === '' ? key : `${path}.${key}`);

class TemplateChecker {
  readonly problems: SpecProblem[] = [];
  private readonly names: Set<string>;

  constructor(
    private readonly template: CfnTemplate & {
      Parameters?: Record<string, unknown>;
      Conditions?: Record<string, unknown>;
    },
    private readonly spec: schema.Specification,
  ) {
    this.names = new Set([...Object.keys(template.Resources), ...Object.keys(template.Parameters ?? {})]);
  }

  checkResource(logicalId: string, resource: unknown): void {
    if (!isObject(resource)) {
      this.report(logicalId, '', `is ${describe(resource)}, not a resource`);
      return;
    }
    for (const key of Object.keys(resource)) {
      if (!RESOURCE_ATTRIBUTES.has(key)) this.report(logicalId, key, 'is not a resource attribute');
    }
    for (const policy of ['DeletionPolicy', 'UpdateReplacePolicy']) {
      const value = resource[policy];
      if (value !== undefined && !(typeof value === 'string' && DELETION_POLICIES.has(value))) {
        this.report(
          logicalId,
          policy,
          `${describe(value)} is not one of ${[...DELETION_POLICIES].join(', ')}`,
        );
      }
    }
    for (const target of [resource.DependsOn ?? []].flat()) {
      if (typeof target !== 'string' || !(target in this.template.Resources)) {
        this.report(logicalId, 'DependsOn', `names no resource of the template: ${describe(target)}`);
      }
    }
    this.checkReferences(logicalId, 'Properties', resource.Properties);

    const type = resource.Type;
    if (typeof type !== 'string') {
      this.report(logicalId, 'Type', `is ${describe(type)}, not a resource type`);
      return;
    }
    const properties = resource.Properties ?? {};
    if (!isObject(properties)) {
      this.report(logicalId, 'Properties', `is ${describe(properties)}, not an object`);
      return;
    }
    if (type.startsWith('Custom::') || type === 'AWS::CloudFormation::CustomResource') {
      // A custom resource takes any properties; CloudFormation needs only where to send them.
      if (properties.ServiceToken === undefined)
        this.report(logicalId, 'Properties', 'missing required property ServiceToken');
      return;
    }
    const resourceSpec = this.spec.ResourceTypes[type];
    if (resourceSpec === undefined) {
      this.report(logicalId, 'Type', `unknown resource type ${type}`);
      return;
    }
    this.checkRecord(logicalId, 'Properties', properties, resourceSpec.Properties ?? {}, type, type);
  }

  /** Checks an object against the properties of a resource or property type. */
  private checkRecord(
    logicalId: string,
    path: string,
    value: Obj,
    properties: Record<string, schema.Property>,
    typeName: string,
    resourceType: string,
  ): void {
    for (const [name, propSpec] of Object.entries(properties)) {
      if (propSpec.Required === true && value[name] === undefined) {
        this.report(logicalId, path, `missing required property ${name} of ${typeName}`);
      }
    }
    for (const [name, v] of Object.entries(value)) {
      const propSpec = properties[name];
      if (propSpec === undefined)
        this.report(logicalId, at(path, name), `unknown property ${name} of ${typeName}`);
      else this.checkValue(logicalId, at(path, name), v, propSpec, resourceType);
    }
  }

  /** Checks one value against the property spec of the place it fills. */
  private checkValue(
    logicalId: string,
    path: string,
    v: Json,
    propSpec: schema.Property,
    resourceType: string,
  ): void {
    const failures = this.valueProblems(v, propSpec, resourceType, path, logicalId);
    for (const problem of failures) this.problems.push(problem);
  }

  /**
   * The problems of one value, collected rather than reported so that a union property (several
   * allowed types) can pass when any one alternative has none.
   */
  private valueProblems(
    v: Json,
    p: schema.Property,
    resourceType: string,
    path: string,
    logicalId: string,
  ): SpecProblem[] {
    const problem = (text: string): SpecProblem[] => [{ logicalId, path, problem: text }];
    const intrinsic = intrinsicName(v);
    if (intrinsic !== undefined)
      return this.intrinsicProblems(v as Obj, intrinsic, p, resourceType, path, logicalId);

    if (schema.isUnionProperty(p)) {
      const alternatives: schema.Property[] = [
        ...(p.PrimitiveTypes ?? []).map((t) => ({ PrimitiveType: t })),
        ...(p.Types ?? []).map((t) => ({ Type: t })),
      ];
      if (alternatives.length === 0) throw new Error(`unsupported union property at ${logicalId} ${path}`);
      const results = alternatives.map((alt) => this.valueProblems(v, alt, resourceType, path, logicalId));
      return results.some((r) => r.length === 0)
        ? []
        : problem(`${describe(v)} fits none of the allowed types`);
    }
    if ('PrimitiveType' in p) {
      return fitsPrimitive(p.PrimitiveType, v)
        ? []
        : problem(`expected ${p.PrimitiveType}, got ${describe(v)}`);
    }
    if (schema.isListProperty(p)) {
      if (!Array.isArray(v)) return problem(`expected a List, got ${describe(v)}`);
      const item = itemSpec(p);
      return v.flatMap((x, i) => this.valueProblems(x, item, resourceType, `${path}[${i}]`, logicalId));
    }
    if (schema.isMapProperty(p)) {
      if (!isObject(v)) return problem(`expected a Map, got ${describe(v)}`);
      const item: schema.Property = schema.isMapOfListsOfPrimitivesProperty(p)
        ? { Type: 'List', PrimitiveItemType: p.PrimitiveItemItemType }
        : itemSpec(p);
      return Object.entries(v).flatMap(([k, x]) =>
        this.valueProblems(x, item, resourceType, `${path}.${k}`, logicalId),
      );
    }
    if ('Type' in p && typeof p.Type === 'string')
      return this.complexProblems(v, p.Type, resourceType, path, logicalId);
    throw new Error(`unsupported property spec at ${logicalId} ${path}: ${JSON.stringify(p)}`);
  }

  /** A value of a named property type: a record of properties, or an alias of a list or primitive. */
  private complexProblems(
    v: Json,
    typeName: string,
    resourceType: string,
    path: string,
    logicalId: string,
  ): SpecProblem[] {
    const qualified = `${resourceType}.${typeName}`;
    const typeSpec = this.spec.PropertyTypes[qualified] ?? this.spec.PropertyTypes[typeName];
    if (typeSpec === undefined)
      return [{ logicalId, path, problem: `the specification has no property type ${qualified}` }];
    if (!schema.isRecordType(typeSpec)) return this.valueProblems(v, typeSpec, resourceType, path, logicalId);
    if (!isObject(v))
      return [{ logicalId, path, problem: `expected ${qualified} (an object), got ${describe(v)}` }];
    const sub = new TemplateChecker(this.template, this.spec);
    sub.checkRecord(logicalId, path, v, typeSpec.Properties, qualified, resourceType);
    return sub.problems;
  }

  /** An intrinsic function where a value goes: accepted when what it returns can fit. */
  private intrinsicProblems(
    v: Obj,
    name: string,
    p: schema.Property,
    resourceType: string,
    path: string,
    logicalId: string,
  ): SpecProblem[] {
    if (name === 'Fn::If') {
      const args = v[name];
      if (!Array.isArray(args) || args.length !== 3)
        return [{ logicalId, path, problem: 'Fn::If takes [condition, then, else]' }];
      return [1, 2].flatMap((i) =>
        isNoValue(args[i])
          ? []
          : this.valueProblems(args[i], p, resourceType, `${path}.Fn::If[${i}]`, logicalId),
      );
    }
    const result = INTRINSIC_RESULT[name] ?? 'any';
    const expected = expectedKind(p, this.spec, resourceType);
    if (result === 'any' || expected === 'any' || result === expected) return [];
    return [
      {
        logicalId,
        path,
        problem: `${name} returns a ${result}, expected ${expected === 'list' ? 'a List' : expected === 'string' ? 'a scalar' : 'an object'}`,
      },
    ];
  }

  /**
   * Checks every `Ref`, `Fn::GetAtt`, `Fn::Sub` and `Fn::If` inside a value (policy documents and
   * other Json properties included): each must name a resource, parameter, pseudo parameter,
   * attribute or condition that exists.
   */
  checkReferences(logicalId: string, path: string, v: Json): void {
    if (Array.isArray(v)) {
      v.forEach((x, i) => this.checkReferences(logicalId, `${path}[${i}]`, x));
      return;
    }
    if (!isObject(v)) return;
    const name = intrinsicName(v);
    const arg = name === undefined ? undefined : v[name];
    if (name === 'Ref') this.checkName(logicalId, path, arg, 'Ref');
    if (name === 'Fn::GetAtt')
      this.checkGetAtt(logicalId, path, typeof arg === 'string' ? arg.split('.') : arg);
    if (name === 'Fn::Sub') this.checkSub(logicalId, path, arg);
    if (name === 'Fn::If' && Array.isArray(arg) && !(String(arg[0]) in (this.template.Conditions ?? {}))) {
      this.report(logicalId, path, `Fn::If names no condition of the template: ${describe(arg[0])}`);
    }
    for (const [k, x] of Object.entries(v)) this.checkReferences(logicalId, at(path, k), x);
  }

  private checkName(logicalId: string, path: string, target: Json, fn: string): void {
    if (typeof target === 'string' && (target.startsWith('AWS::') || this.names.has(target))) return;
    this.report(logicalId, path, `${fn} names no resource or parameter of the template: ${describe(target)}`);
  }

  private checkGetAtt(logicalId: string, path: string, arg: Json): void {
    const [target, ...attrParts] = Array.isArray(arg) ? arg : [];
    const attribute = attrParts.join('.');
    const r = typeof target === 'string' ? this.template.Resources[target] : undefined;
    if (r === undefined || attribute === '') {
      this.report(
        logicalId,
        path,
        `Fn::GetAtt names no resource attribute of the template: ${describe(arg)}`,
      );
      return;
    }
    const attributes = this.spec.ResourceTypes[r.Type]?.Attributes;
    // Custom and unknown types have no attribute list (an unknown type is reported on its own).
    if (attributes !== undefined && !(attribute in attributes)) {
      this.report(logicalId, path, `Fn::GetAtt: ${r.Type} has no attribute ${attribute} (${target})`);
    }
  }

  private checkSub(logicalId: string, path: string, arg: Json): void {
    const [text, vars] = Array.isArray(arg) ? arg : [arg, {}];
    if (typeof text !== 'string' || !isObject(vars ?? {})) {
      this.report(logicalId, path, 'Fn::Sub takes a string or [string, variables]');
      return;
    }
    const local = new Set(Object.keys(vars ?? {}));
    // `${!Literal}` is a literal `${Literal}`; anything else inside `${}` is a name or Name.Attribute.
    for (const [, ref = ''] of text.matchAll(/\$\{(?!!)([^}]*)\}/g)) {
      const name = ref.trim();
      if (local.has(name) || name.startsWith('AWS::')) continue;
      if (name.includes('.')) this.checkGetAtt(logicalId, path, name.split('.'));
      else this.checkName(logicalId, path, name, 'Fn::Sub');
    }
  }

  private report(logicalId: string, path: string, problem: string): void {
    this.problems.push({ logicalId, path, problem });
  }
}

const isNoValue = (v: Json): boolean => isObject(v) && v.Ref === 'AWS::NoValue';

/** The spec of one item of a list or map property. */
function itemSpec(p: schema.ListProperty | schema.MapProperty): schema.Property {
  if ('PrimitiveItemType' in p) return { PrimitiveType: p.PrimitiveItemType };
  return { Type: p.ItemType };
}

/** What kind of value a place takes: a scalar, a list, an object, or (Json, unions) anything. */
function expectedKind(
  p: schema.Property,
  spec: schema.Specification,
  resourceType: string,
): 'string' | 'list' | 'object' | 'any' {
  if (schema.isUnionProperty(p)) return 'any';
  if ('PrimitiveType' in p) return p.PrimitiveType === 'Json' ? 'any' : 'string';
  if (schema.isListProperty(p)) return 'list';
  if (schema.isMapProperty(p)) return 'object';
  const typeName = (p as { Type: string }).Type;
  const typeSpec = spec.PropertyTypes[`${resourceType}.${typeName}`] ?? spec.PropertyTypes[typeName];
  if (typeSpec === undefined) return 'any';
  return schema.isRecordType(typeSpec) ? 'object' : expectedKind(typeSpec, spec, resourceType);
}
