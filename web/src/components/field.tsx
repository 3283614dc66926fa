import type { ComponentChildren } from 'preact';
import { useId } from 'preact/hooks';

interface FieldShellProps {
  label: string;
  /** Spans the whole row of a form grid. */
  wide?: boolean;
  hint?: ComponentChildren;
  error?: string;
  children: (aria: { id: string; 'aria-invalid': boolean; 'aria-describedby'?: string }) => ComponentChildren;
}

/** A label, the control, then a hint and the server's message for this field, tied to it by aria-describedby. */
function FieldShell({ label, wide, hint, error, children }: FieldShellProps) {
  const id = useId();
  const described = [hint && `${id}-hint`, error && `${id}-error`].filter(Boolean).join(' ');
  return (
    <div class={`field${wide ? ' field-wide' : ''}${error ? ' has-error' : ''}`}>
      <label for={id}>{label}</label>
      {children({ id, 'aria-invalid': Boolean(error), ...(described ? { 'aria-describedby': described } : {}) })}
      {hint && (
        <p class="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {error && (
        <p class="field-error" id={`${id}-error`}>
          {error}
        </p>
      )}
    </div>
  );
}

type InputProps = {
  type?: 'text' | 'url' | 'search' | 'password' | 'number' | 'datetime-local';
  placeholder?: string;
  autoComplete?: string;
  autoCapitalize?: 'none' | 'off';
  inputMode?: 'url' | 'numeric' | 'text';
  spellcheck?: boolean;
  required?: boolean;
  disabled?: boolean;
  min?: number;
  label: string;
  value: string;
  onValue: (value: string) => void;
  wide?: boolean;
  hint?: ComponentChildren;
  error?: string;
};

export function TextField({ label, wide, hint, error, value, onValue, type = 'text', ...input }: InputProps) {
  return (
    <FieldShell label={label} wide={wide} hint={hint} error={error}>
      {/* Preact types <input> as a union by `type`, which a `type` variable cannot pick from: any of ours is valid. */}
      {(aria) => <input {...input} {...aria} type={type as 'text'} value={value} onInput={(e) => onValue(e.currentTarget.value)} />}
    </FieldShell>
  );
}

type SelectProps = {
  label: string;
  value: string;
  onValue: (value: string) => void;
  options: readonly (readonly [value: string, text: string])[];
  hint?: string;
  error?: string;
};

export function SelectField({ label, hint, error, value, onValue, options }: SelectProps) {
  return (
    <FieldShell label={label} hint={hint} error={error}>
      {(aria) => (
        <select {...aria} value={value} onChange={(e) => onValue(e.currentTarget.value)}>
          {options.map(([v, text]) => (
            <option key={v} value={v}>
              {text}
            </option>
          ))}
        </select>
      )}
    </FieldShell>
  );
}

/** A message about the whole form (or the page); read out as soon as it appears. */
export function Alert({ children, tone = 'error' }: { children: ComponentChildren; tone?: 'error' | 'success' | 'info' }) {
  return (
    <div class={`alert alert-${tone}`} role={tone === 'error' ? 'alert' : 'status'}>
      {children}
    </div>
  );
}
