import { join } from 'node:path';
import ts from 'typescript';
import { REPO_ROOT } from '../../src/testing/shared-data.js';
import { isObject } from './deploy-files.js';

/**
 * Validation of Kubernetes objects against the API's own definitions, as the `kubernetes-models`
 * package generates them from the official OpenAPI document of a Kubernetes release:
 * - `schemaErrors`: its JSON-schema validators (types, required fields, enums, formats such as
 *   quantities and int-or-string);
 * - `unknownFields`: its TypeScript interfaces, walked with the compiler's type checker, for fields
 *   the API does not define (what `kubectl apply --validate=strict` refuses; the JSON schemas allow them).
 */

export interface KubernetesObject {
  apiVersion: string;
  kind: string;
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: unknown;
}

/** The module of an object's model: `v1` + `Service` → kubernetes-models/v1/Service, `apps/v1` + `Deployment` → kubernetes-models/apps/v1/Deployment. */
const modelModule = (object: KubernetesObject): string => `kubernetes-models/${object.apiVersion}/${object.kind}`;

/** The JSON-schema errors of one object ("data/spec/replicas must be integer"); empty when it is valid. */
export async function schemaErrors(object: KubernetesObject): Promise<string[]> {
  let model: new (data: unknown) => { validate(): void };
  try {
    model = ((await import(modelModule(object))) as Record<string, new (data: unknown) => { validate(): void }>)[object.kind]!;
  } catch {
    return [`${object.apiVersion} ${object.kind} is not a kind of the Kubernetes API`];
  }
  try {
    new model(object).validate();
    return [];
  } catch (error) {
    return String((error as Error).message).split(', ');
  }
}

/** Paths of the fields of each object that its API type does not define (`spec.template.spec.containers[0].resourcez`). */
export function unknownFields(objects: readonly KubernetesObject[]): string[][] {
  const file = join(REPO_ROOT, 'test', 'deploy', '__kubernetes-types__.ts');
  const kinds = [...new Set(objects.map(modelModule))];
  const source = kinds.map((module, index) => `import type { I${module.split('/').at(-1)} as T${index} } from '${module}';\nexport type K${index} = T${index};`).join('\n');
  const options: ts.CompilerOptions = {
    strict: true, noEmit: true, skipLibCheck: true, types: [], lib: ['lib.es2022.d.ts'],
    module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022,
  };
  const host = ts.createCompilerHost(options);
  const readSource = host.getSourceFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  host.getSourceFile = (name, language, ...rest) => (name === file ? ts.createSourceFile(name, source, language) : readSource(name, language, ...rest));
  host.fileExists = (name) => name === file || fileExists(name);
  const program = ts.createProgram([file], options, host);
  const problems = ts.getPreEmitDiagnostics(program, program.getSourceFile(file));
  if (problems.length > 0) throw new Error(ts.formatDiagnostics(problems, host));
  const checker = program.getTypeChecker();
  const aliases = program.getSourceFile(file)!.statements.filter(ts.isTypeAliasDeclaration);
  const typeOf = (module: string): ts.Type => checker.getTypeAtLocation(aliases[kinds.indexOf(module)]!.name);

  const walk = (value: unknown, type: ts.Type, path: string, out: string[]): void => {
    if (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return;
    if (Array.isArray(value)) {
      const element = checker.getIndexTypeOfType(checker.getNonNullableType(type), ts.IndexKind.Number);
      if (element) value.forEach((item, index) => walk(item, element, `${path}[${index}]`, out));
      return;
    }
    if (!isObject(value)) return;
    const candidates = (type.isUnion() ? type.types : [type]).filter((t) => (t.flags & ts.TypeFlags.Object) !== 0 || t.isIntersection());
    if (candidates.length === 0) return;
    for (const [key, child] of Object.entries(value)) {
      let childType: ts.Type | undefined;
      for (const candidate of candidates) {
        const property = checker.getPropertyOfType(candidate, key);
        childType = property ? checker.getNonNullableType(checker.getTypeOfSymbol(property)) : checker.getIndexTypeOfType(candidate, ts.IndexKind.String);
        if (childType) break;
      }
      const at = path ? `${path}.${key}` : key;
      if (childType) walk(child, childType, at, out);
      else out.push(at);
    }
  };
  return objects.map((object) => {
    const out: string[] = [];
    walk(object, typeOf(modelModule(object)), '', out);
    return out;
  });
}
