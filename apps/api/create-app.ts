import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { Runtime } from '@clientele/runtime';
import { randomUUID } from 'node:crypto';
import { AppModule } from './app.module';
import { sendProblem } from './http/problem-details.filter';

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
  });
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRuntime(runtime, options.adminSecret ?? { value: null }),
    adapter,
    {
      logger: options.logger === false ? false : ['error', 'warn', 'log'],
    },
  );
  const logger = new Logger('API');
  const fastify = app.getHttpAdapter().getInstance();
  // Errors raised by Fastify itself (malformed JSON, body too large) leave as problem+json
  // like every other error.
  fastify.setErrorHandler((error, _request, reply) => sendProblem(reply, error, logger));
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
