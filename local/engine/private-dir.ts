/**
 * The data directory holds personal data (ID numbers, ID-card images, e-mails): only the user who
 * runs the engine may read it. Directories 0700, files 0600, for what is there already (a data dir
 * made by an older version) and for what the engine and its emulators write later (umask 077 while
 * an engine with a data directory runs).
 */
import { chmodSync, lstatSync, mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** Creates `dir` if needed and tightens it and everything under it (symlinks are left alone). */
export function makePrivate(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  const walk = (path: string) => {
    const st = lstatSync(path);
    if (st.isSymbolicLink()) return;
    if (st.isDirectory()) {
      if ((st.mode & 0o777) !== PRIVATE_DIR_MODE) chmodSync(path, PRIVATE_DIR_MODE);
      for (const name of readdirSync(path)) walk(join(path, name));
    } else if ((st.mode & 0o777 & ~PRIVATE_FILE_MODE) !== 0) {
      chmodSync(path, st.mode & PRIVATE_FILE_MODE & 0o777);
    }
  };
  walk(dir);
}

/**
 * Sets the process umask to 077 (new files 0600, new directories 0700) and returns the function that
 * puts the previous one back. A no-op where the umask cannot be set (worker threads).
 */
export function privateUmask(): () => void {
  try {
    const previous = process.umask(0o077);
    return () => {
      process.umask(previous);
    };
  } catch {
    return () => undefined;
  }
}
