import { AjvCompiler } from '@fastify/ajv-compiler';
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';
import type { FastifyServerOptions } from 'fastify';

type CompilersFactory = NonNullable<
  NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']
>;

/** Fastify's own factories (the same Ajv pool and fast-json-stringify), made once per process. */
const validators = AjvCompiler();
const serializers = SerializerSelector();

/**
 * Defers `compile(route)` to the route's first use. A validator's `errors`, which Fastify reads
 * after a `false`, are copied onto the wrapper.
 */
function lazily<Route, Fn extends (data: never) => unknown>(
  compiler: (route: Route) => Fn,
): (route: Route) => Fn {
  return (route) => {
    let compiled: Fn | undefined;
    const lazy = ((data: never) => {
      compiled ??= compiler(route);
      const result = compiled(data);
      (lazy as { errors?: unknown }).errors = (compiled as { errors?: unknown }).errors;
      return result;
    }) as Fn;
    return lazy;
  };
}

/**
 * Fastify's schema compilers, each route's validators and serializers compiled when the route is
 * first used instead of when the app starts: compiling the region's ~60 routes took about half
 * of a `region serve` start's CPU (fast-json-stringify, Ajv), and a restarted region must answer
 * within a second. A route's first request pays its own compile (a few ms); the routes' schemas
 * are compiled by the tests that call them.
 */
export const lazySchemaCompilers: CompilersFactory = {
  buildValidator: (externalSchemas, options) =>
    lazily(validators(externalSchemas as never, options as never)),
  buildSerializer: (externalSchemas, options) =>
    lazily(serializers(externalSchemas as never, options as never)),
};
