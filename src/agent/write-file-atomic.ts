import { randomBytes } from "node:crypto";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { dirname } from "node:path";

/** Suffix of files being written; a crash can leave them behind, and whoever owns the folder removes them. */
export const partialFileSuffix = ".partial";

/**
 * Writes a file so that readers, and a process killed mid-write, see the old content or the new one,
 * never a torn mix: the bytes go to a temporary file that is then renamed over the target. This guards
 * against the process dying (SIGKILL), not against power loss, which would also need fsync.
 */
export async function writeFileAtomic(file: string, data: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const temporary = `${file}.${randomBytes(4).toString("hex")}${partialFileSuffix}`;
  try {
    await writeFile(temporary, data, "utf8");
    await rename(temporary, file);
  } catch (err) {
    await rm(temporary, { force: true });
    throw err;
  }
}
