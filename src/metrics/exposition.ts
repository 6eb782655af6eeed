/**
 * Counters and a histogram as plain numbers, written as Prometheus text only when scraped: the
 * hot path pays one Map lookup and an addition, not a label hash and an object per observation.
 */

/** Maps any value outside `known` to `other`, so a label cannot take values a caller invents. */
export function closedSet<T extends string>(known: readonly T[], other: string): (value: string) => string {
  const set: ReadonlySet<string> = new Set(known);
  return (value) => (set.has(value) ? value : other);
}

/** Label values escaped as the text format requires (backslash, double quote, newline). */
function escapeLabel(value: string): string {
  return value.replace(/[\\"\n]/g, (ch) => (ch === '\n' ? '\\n' : `\\${ch}`));
}

function header(name: string, help: string, type: string): string {
  return `# HELP ${name} ${help.replace(/[\\\n]/g, (ch) => (ch === '\n' ? '\\n' : '\\\\'))}\n# TYPE ${name} ${type}\n`;
}

export class CounterFamily {
  /** Series by their label values joined with \u0000, in the order first seen. */
  private readonly series = new Map<string, { labels: readonly string[]; value: number }>();

  constructor(
    readonly name: string,
    private readonly help: string,
    private readonly labelNames: readonly string[],
  ) {}

  add(labels: readonly string[], by: number): void {
    const key = labels.length === 1 ? labels[0]! : labels.join('\u0000');
    const hit = this.series.get(key);
    if (hit) hit.value += by;
    else this.series.set(key, { labels: [...labels], value: by });
  }

  /** Every series with its label values (in labelNames order) and count. */
  values(): Array<{ labels: readonly string[]; value: number }> {
    return [...this.series.values()];
  }

  text(): string {
    let out = header(this.name, this.help, 'counter');
    for (const { labels, value } of this.series.values()) {
      const pairs = labels.map((v, i) => `${this.labelNames[i]}="${escapeLabel(v)}"`).join(',');
      out += `${this.name}${pairs ? `{${pairs}}` : ''} ${value}\n`;
    }
    return out;
  }
}

export class HistogramFamily {
  private readonly counts: number[];
  private sum = 0;
  private count = 0;

  constructor(
    readonly name: string,
    private readonly help: string,
    private readonly bounds: readonly number[],
  ) {
    this.counts = new Array<number>(bounds.length).fill(0);
  }

  observe(value: number): void {
    this.sum += value;
    this.count++;
    // Buckets are few (13): a linear scan beats a binary search at this size.
    for (let i = 0; i < this.bounds.length; i++) {
      if (value <= this.bounds[i]!) {
        this.counts[i]!++;
        return;
      }
    }
  }

  text(): string {
    let out = header(this.name, this.help, 'histogram');
    let cumulative = 0;
    for (let i = 0; i < this.bounds.length; i++) {
      cumulative += this.counts[i]!;
      out += `${this.name}_bucket{le="${this.bounds[i]}"} ${cumulative}\n`;
    }
    out += `${this.name}_bucket{le="+Inf"} ${this.count}\n${this.name}_sum ${this.sum}\n${this.name}_count ${this.count}\n`;
    return out;
  }
}
