import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import Busboy from '@fastify/busboy';
import { PathLensError } from '@pathlens/core';
import { uploadTooLarge } from './upload-too-large.ts';

/** A file part of a multipart body, already on disk under a temporary name. */
export interface ReceivedFile {
  /** The form field it came in (`file`, `image`, `images`…). */
  field: string;
  /** The name the sender gave, sub-folders kept (`images/a.png`); checked by whoever uses it as a path. */
  fileName: string;
  /** `<DATA_DIR>/uploads/.incoming-<uuid>`: the caller moves it into place or leaves it to `discard`. */
  temporaryPath: string;
  sizeBytes: number;
  /** sha256 of the bytes, hex, computed while they streamed in. */
  contentSha256: string;
}

export interface MultipartBody {
  /** Text fields by name: every value, in the order sent. */
  fields: Map<string, string[]>;
  files: ReceivedFile[];
  /** The first value of a text field. */
  field(name: string): string | undefined;
  /** Remove every temporary file that is still there (a file already moved into place is not touched). */
  discard(): Promise<void>;
}

export interface ReceiveOptions {
  /** Where file parts are written while they stream in; on the same file system as their final place. */
  temporaryDirectory: string;
  /** MAX_UPLOAD_MEGABYTES in bytes: the whole body, counted as it streams; past it, 413 and nothing kept. */
  maxBytes: number;
}

const largestFieldBytes = 1_048_576;

/**
 * Read a multipart/form-data body as it streams, never holding it in memory: text fields are
 * collected, file parts go straight to temporary files (hashed on the way) with back-pressure
 * from the disk to the socket. On any failure (over the limit, malformed, sender gone) every
 * temporary file is removed before the error is thrown.
 */
export async function receiveMultipart(request: Request, options: ReceiveOptions): Promise<MultipartBody> {
  if (!request.body)
    throw new PathLensError(
      'invalid_request',
      'The multipart/form-data body is empty; send the form fields and files.',
    );
  let parser: InstanceType<typeof Busboy>;
  try {
    parser = new Busboy({
      headers: { 'content-type': request.headers.get('content-type') ?? '' },
      preservePath: true,
      limits: { fieldSize: largestFieldBytes },
    });
  } catch (error) {
    throw malformed(error);
  }
  await mkdir(options.temporaryDirectory, { recursive: true });
  const fields = new Map<string, string[]>();
  const files: ReceivedFile[] = [];
  const temporaryPaths: string[] = [];
  const fileStreams: Readable[] = [];
  const writes: Promise<void>[] = [];
  let fieldError: PathLensError | undefined;
  const discard = async () => {
    await Promise.all(temporaryPaths.map((temporaryPath) => rm(temporaryPath, { force: true })));
  };

  parser.on('field', (name: string, value: string, _nameTruncated: boolean, valueTruncated: boolean) => {
    if (valueTruncated) {
      fieldError ??= new PathLensError(
        'payload_too_large',
        `Form field ${name.slice(0, 100)} is over 1 MB; send less.`,
        { param: name },
      );
    }
    fields.set(name, [...(fields.get(name) ?? []), value]);
  });
  parser.on('file', (field: string, stream: Readable, fileName: string | undefined) => {
    const temporaryPath = path.join(options.temporaryDirectory, `.incoming-${randomUUID()}`);
    const position = temporaryPaths.push(temporaryPath) - 1; // files keep the order they were sent in
    fileStreams.push(stream);
    const hash = createHash('sha256');
    let sizeBytes = 0;
    const hashing = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
        sizeBytes += chunk.length;
        done(null, chunk);
      },
    });
    writes.push(
      pipeline(stream, hashing, createWriteStream(temporaryPath)).then(() => {
        files[position] = {
          field,
          fileName: fileName ?? '',
          temporaryPath,
          sizeBytes,
          contentSha256: hash.digest('hex'),
        };
      }),
    );
  });

  let receivedBytes = 0;
  const counting = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      receivedBytes += chunk.length;
      done(receivedBytes > options.maxBytes ? uploadTooLarge(options.maxBytes) : null, chunk);
    },
  });
  try {
    await pipeline(Readable.fromWeb(request.body as WebReadableStream<Uint8Array>), counting, parser);
    await Promise.all(writes);
    if (fieldError) throw fieldError;
  } catch (error) {
    for (const stream of fileStreams) stream.destroy();
    await Promise.allSettled(writes);
    await discard();
    throw error instanceof PathLensError ? error : malformed(error);
  }
  return { fields, files, field: (name) => fields.get(name)?.[0], discard };
}

const malformed = (error: unknown) =>
  new PathLensError(
    'invalid_request',
    'The multipart/form-data body could not be read (malformed, or the upload was cut off); send it again, e.g. curl -F file=@slide.svs.',
    {},
    { cause: error },
  );
