// Writes a throw-away Terraform tree for a test and removes it afterwards.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export interface Fixture {
  dir: string;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Files by path relative to the tree root, e.g. { 'envs/dev/main.tf': '...' }. */
export function writeTree(files: Record<string, string>): Fixture {
  const dir = mkdtempSync(join(tmpdir(), 'check-terraform-'));
  for (const [path, content] of Object.entries(files)) {
    const target = join(dir, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, content);
  }
  return {
    dir,
    [Symbol.asyncDispose]: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A minimal, valid root module header: pinned provider, region from a variable, default tags. */
export const ROOT_HEADER = `terraform {
  required_version = ">= 1.10"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.25"
    }
  }
}

variable "region" {
  type        = string
  description = "Region to deploy into."
}

provider "aws" {
  region = var.region

  default_tags {
    tags = { Project = "fixture" }
  }
}
`;
