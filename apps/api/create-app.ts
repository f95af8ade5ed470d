import multipart from '@fastify/multipart';
import { Logger, UnsupportedMediaTypeException } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import {
  DOCUMENT_MAX_BYTES,
  DOCUMENT_TYPES,
  IMAGE_MAX_BYTES,
  IMAGE_TYPES,
} from '@clientele/clients';
import type { Runtime } from '@clientele/runtime';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { InvalidInput, type FieldError } from '@clientele/shared';
import { randomUUID } from 'node:crypto';
import { AppModule } from './app.module';
import { sendProblem } from './http/problem-details.filter';
import { STRIPE_WEBHOOK_PATH } from './payments/webhooks.controller';

/** The HTTP API over a runtime; used by main.ts and by the end-to-end tests. */
export async function createApp(
  runtime: Runtime,
  options: { logger?: boolean; adminSecret?: { value: string | null } } = {},
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: 1024 * 1024,
    genReqId: () => randomUUID(),
    // Long-lived keep-alive keeps load tests and busy front desks from reconnecting.
    keepAliveTimeout: 65_000,
    // Behind a load balancer, the client's own address (the failed-authentication limit counts by it).
    ...(runtime.config.trustProxy !== undefined ? { trustProxy: runtime.config.trustProxy } : {}),
    // A URL Fastify cannot decode (%FF, an encoded lone surrogate) fails before any route, so
    // before Nest's filter: it gets the same problem+json as everything else.
    frameworkErrors: (error: Error, _request: FastifyRequest, reply: FastifyReply) =>
      sendProblem(reply, error, new Logger('API')),
  });
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRuntime(runtime, options.adminSecret ?? { value: null }),
    adapter,
    {
      logger: options.logger === false ? false : ['error', 'warn', 'log'],
    },
  );
  // The one body parser: JSON only (no form bodies), strict UTF-8, an object at the top. The
  // Stripe webhook alone gets the bytes as sent: its signature is over them, and Stripe's JSON
  // is checked by that signature, not by our rules for what staff send.
  app.useBodyParser('application/json', { bodyLimit: 1024 * 1024 }, (request, body, done) => {
    if (request.routeOptions.url === STRIPE_WEBHOOK_PATH) {
      done(null, body);
      return;
    }
    try {
      done(null, parseJsonBody(body));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  // Files are sent as themselves (the body is the PDF or the image), each type with its limit;
  // what they are is checked from their bytes (libs/clients/domain/client-files.ts).
  for (const [type, limit] of FILE_BODIES) {
    app.useBodyParser(type, { bodyLimit: limit }, (_request, body, done) => done(null, body));
  }
  // Uploads of import files (POST /v1/imports/{clients,credits,memberships}): each route sets its own limits.
  await app.register(multipart);
  const fastify = app.getHttpAdapter().getInstance();
  // Fastify takes text/plain by default: a JSON body sent as text reached validation as a string
  // and answered 400 with every field missing. Text is refused (415) like any type the API does
  // not take; an empty body stays an empty body, as browsers send a bodyless POST as text/plain.
  fastify.removeContentTypeParser('text/plain');
  fastify.addContentTypeParser('text/plain', { parseAs: 'buffer' }, (_request, body, done) => {
    if ((body as Buffer).length === 0) done(null, {});
    else done(new UnsupportedMediaTypeException('Unsupported Media Type: text/plain'), undefined);
  });
  fastify.addHook('onSend', async (request, reply) => {
    const given = request.headers['x-correlation-id'];
    void reply.header(
      'x-correlation-id',
      typeof given === 'string' && given.length <= 100 ? given : request.id,
    );
  });
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Clientele')
      .setDescription('The event-sourced client account of a fitness or wellness studio.')
      .setVersion('1')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json' });
  await app.init();
  return app;
}

const FILE_BODIES: [string, number][] = [
  ...IMAGE_TYPES.map((type): [string, number] => [type, IMAGE_MAX_BYTES]),
  ...DOCUMENT_TYPES.map((type): [string, number] => [type, DOCUMENT_MAX_BYTES]),
];

const UTF8 = new TextDecoder('utf-8', { fatal: true });
/** Keys that reach for an object's prototype: never a field of this API. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Every request body of this API is a JSON object of text PostgreSQL can store (an empty body is
 * an empty object, refused by validation where fields are required): invalid UTF-8,
 * NUL characters and lone surrogates are refused here (they would be mangled or make the
 * database fail), and so are prototype keys, so nothing downstream ever sees them.
 */
export function parseJsonBody(body: Buffer): unknown {
  let text: string;
  try {
    text = UTF8.decode(body);
  } catch {
    throw new InvalidInput('The body is not valid UTF-8.', [
      { field: 'body', message: 'must be UTF-8' },
    ]);
  }
  // A POST that takes nothing (a check-in) may still say it sends JSON: no body is no fields.
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InvalidInput(`The body is not valid JSON: ${(error as Error).message}`, [
      { field: 'body', message: 'must be valid JSON' },
    ]);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidInput('The body must be a JSON object.', [
      { field: 'body', message: 'must be a JSON object' },
    ]);
  }
  const errors: FieldError[] = [];
  checkJson(value, '', errors);
  if (errors.length > 0) throw new InvalidInput('The body holds values this API refuses.', errors);
  return value;
}

function checkJson(value: unknown, path: string, errors: FieldError[]): void {
  if (typeof value === 'string') {
    if (value.includes('\u0000')) errors.push({ field: path, message: 'must not contain NUL' });
    else if (LONE_SURROGATE.test(value))
      errors.push({ field: path, message: 'must be well-formed Unicode' });
    return;
  }
  if (value === null || typeof value !== 'object') return;
  for (const [key, child] of Object.entries(value)) {
    const field = Array.isArray(value) ? `${path}[${key}]` : path ? `${path}.${key}` : key;
    if (FORBIDDEN_KEYS.has(key)) errors.push({ field, message: 'is not allowed' });
    else if (key.includes('\u0000') || LONE_SURROGATE.test(key))
      errors.push({ field: path || 'body', message: 'has a key that is not valid text' });
    else checkJson(child, field, errors);
  }
}
