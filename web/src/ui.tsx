import { useCallback, useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { asProblem, type Problem } from './api/client';

/** Loads `load()` at once and on `reload()`; errors are kept as the API's problem. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[] = []) {
  const [data, setData] = useState<T | undefined>(undefined);
  const [problem, setProblem] = useState<Problem | undefined>(undefined);
  const [tick, setTick] = useState(0);
  const run = useCallback(load, deps);
  useEffect(() => {
    let live = true;
    run()
      .then((d) => live && (setData(d), setProblem(undefined)))
      .catch((e: unknown) => live && setProblem(asProblem(e)));
    return () => {
      live = false;
    };
  }, [run, tick]);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { data, problem, reload };
}

export function ProblemBanner({ problem }: { problem: Problem | undefined }) {
  if (!problem) return null;
  return (
    <div className="problem" role="alert">
      <strong>{problem.title}</strong>
      <span>{problem.detail}</span>
    </div>
  );
}

/** A form whose submit runs `action`, shows the API's problem, and is disabled while it runs. */
export function ActionForm(props: {
  label: string;
  action: () => Promise<void>;
  children?: ReactNode;
  confirm?: string;
  className?: string;
}) {
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem | undefined>(undefined);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (props.confirm && !window.confirm(props.confirm)) return;
    setBusy(true);
    setProblem(undefined);
    props
      .action()
      .catch((err: unknown) => setProblem(asProblem(err)))
      .finally(() => setBusy(false));
  };
  return (
    <form className={props.className ?? 'action'} onSubmit={submit}>
      {props.children}
      <button type="submit" disabled={busy}>
        {props.label}
      </button>
      <ProblemBanner problem={problem} />
    </form>
  );
}

export function Field(props: {
  label: string;
  name: string;
  value: string;
  onChange: (v: string) => void;
  type?: string;
  required?: boolean;
  placeholder?: string;
}) {
  return (
    <label className="field">
      <span>{props.label}</span>
      <input
        name={props.name}
        type={props.type ?? 'text'}
        value={props.value}
        required={props.required}
        placeholder={props.placeholder}
        autoComplete="off"
        onChange={(e) => props.onChange(e.target.value)}
      />
    </label>
  );
}

/** A secret or key shown once: it is not kept anywhere after this view is left. */
export function ShownOnce({ label, value }: { label: string; value: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <div className="shown-once" role="status">
      <p>{label} — shown once, copy it now:</p>
      <code data-testid="shown-once">{value}</code>
      <button
        type="button"
        onClick={() => void navigator.clipboard?.writeText(value).then(() => setCopied(true))}
      >
        {copied ? 'Copied' : 'Copy'}
      </button>
    </div>
  );
}

export function Status({ value }: { value: string }) {
  return <span className={`status status-${value}`}>{value.replace('_', ' ')}</span>;
}

export function when(iso: string | null | undefined): string {
  return iso ? new Date(iso).toISOString().replace('T', ' ').slice(0, 19) + 'Z' : '—';
}
