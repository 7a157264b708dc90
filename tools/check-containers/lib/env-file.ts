// A dotenv file as compose reads it: KEY=VALUE lines, # comments, optional quotes.
export interface EnvEntry {
  value: string;
  line: number;
}

export function parseEnvFile(text: string): Map<string, EnvEntry> {
  const entries = new Map<string, EnvEntry>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/.exec(line);
    if (!m) return;
    let value = m[2] ?? '';
    const quoted = /^(['"])(.*)\1$/.exec(value);
    if (quoted) value = quoted[2] ?? '';
    else value = value.replace(/\s+#.*$/, '');
    entries.set(m[1] ?? '', { value, line: i + 1 });
  });
  return entries;
}
