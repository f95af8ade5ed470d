import 'reflect-metadata';
import { createServer } from 'node:http';
import { Body, Controller, HttpCode, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { IsEmail, IsString, MaxLength } from 'class-validator';
import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { Batcher } from '@clientele/database';
import { validationPipe } from '../../apps/api/app.module';

/**
 * The limit over HTTP (limit.bench.ts): a server that does nothing but take a registration's
 * body and append it as one row, so the bench can read what HTTP alone, and NestJS alone, cost on
 * this machine before any of Clientele's work. `node`: node:http, JSON.parse, one INSERT.
 * `nest`: NestJS on Fastify with the body validated by the API's own pipe, and the same INSERT.
 * `nest-batched`: the same, the appends of concurrent requests in one INSERT (as the event store
 * groups them). `nest-no-append`: the same without the INSERT.
 */
const mode = process.argv[2];
const table = process.env.LIMIT_TABLE!;
const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 20 });
const insert = {
  name: 'limit_http_append',
  text: `INSERT INTO ${table} (stream_name, revision, type, data) VALUES ($1, 0, 'ClientRegistered', $2)`,
};

const grouped = new Batcher<[string, string], void>({
  // As the event store combines its appends (postgres-event-store.ts).
  maxInFlight: 4,
  maxBatch: 64,
  send: async (rows) => {
    await pool.query({
      name: 'limit_http_append_many',
      text: `INSERT INTO ${table} (stream_name, revision, type, data)
             SELECT s, 0, 'ClientRegistered', d::jsonb FROM unnest($1::text[], $2::text[]) AS r(s, d)`,
      values: [rows.map(([stream]) => stream), rows.map(([, data]) => data)],
    });
    return rows.map(() => ({ status: 'fulfilled', value: undefined }));
  },
});

async function append(body: object): Promise<string> {
  const id = randomUUID();
  const row: [string, string] = [`client-${id}`, JSON.stringify(body)];
  if (mode === 'nest-batched') await grouped.submit(row);
  else if (mode !== 'nest-no-append') await pool.query({ ...insert, values: row });
  return id;
}

class Registration {
  @IsString() @MaxLength(100) firstName!: string;
  @IsString() @MaxLength(100) lastName!: string;
  @IsEmail() email!: string;
}

@Controller('v1/clients')
class RegistrationController {
  @Post()
  @HttpCode(201)
  async register(@Body() body: Registration): Promise<{ id: string }> {
    return { id: await append(body) };
  }
}

@Module({ controllers: [RegistrationController] })
class LimitModule {}

async function main(): Promise<void> {
  const port = Number(process.env.PORT);
  if (mode === 'node') {
    createServer((request, response) => {
      let text = '';
      request.setEncoding('utf8');
      request.on('data', (chunk: string) => (text += chunk));
      request.on('end', () => {
        Promise.resolve()
          .then(() => append(JSON.parse(text) as object))
          .then(
            (id) => {
              response.writeHead(201, { 'content-type': 'application/json' });
              response.end(JSON.stringify({ id }));
            },
            (error: Error) => {
              response.writeHead(500);
              response.end(error.message);
            },
          );
      });
    })
      .setTimeout(0)
      .listen(port, '127.0.0.1', () => console.log('listening'));
    return;
  }
  const app = await NestFactory.create<NestFastifyApplication>(LimitModule, new FastifyAdapter(), {
    logger: ['error'],
  });
  app.useGlobalPipes(validationPipe);
  await app.listen({ port, host: '127.0.0.1' });
  console.log('listening');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
