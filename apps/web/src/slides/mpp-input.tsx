import { inputValue } from '../shell/form-values.ts';

/** A labelled µm-per-pixel field (text kept as typed; empty means "not given"). */
export function MppInput(props: {
  label: string;
  value: string;
  onChange: (text: string) => void;
  placeholder?: string;
}) {
  const invalid = props.value.trim() !== '' && !(Number(props.value) > 0);
  return (
    <label>
      {props.label}{' '}
      <input
        type="number"
        step="0.001"
        min="0.05"
        max="20"
        inputMode="decimal"
        value={props.value}
        onInput={(event) => props.onChange(inputValue(event))}
        aria-invalid={invalid}
        placeholder={props.placeholder ?? 'e.g. 0.25'}
      />
    </label>
  );
}
