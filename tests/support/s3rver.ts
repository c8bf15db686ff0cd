import type { AddressInfo } from 'node:net';

/** The part of s3rver's API the tests use (the package ships no type declarations). */
export interface S3rverServer {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}

type S3rverCtor = new (options: {
  port: number;
  address: string;
  silent: boolean;
  directory: string;
}) => S3rverServer;

/** s3rver, the in-process S3-compatible server the S3 tests run against. */
// s3rver is CommonJS without types; a typed require keeps every caller checked.
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const S3rver = require('s3rver') as S3rverCtor;
