/** Controls in the side panel (#controls): section headings, notes, sliders, checkboxes. */
import type { RGB } from './colors';
import { controls } from './state';

export function section(title: string): void {
  const h = document.createElement('h3');
  h.textContent = title;
  controls.appendChild(h);
}
export function note(text: string): HTMLElement {
  const p = document.createElement('div');
  p.className = 'note';
  p.textContent = text;
  controls.appendChild(p);
  return p;
}
export function slider(id: string, label: string, min: number, max: number, step: number, value: number, onInput: (v: number) => void, format: (v: number) => string = (v) => String(v)): HTMLInputElement {
  const row = document.createElement('label');
  const name = document.createElement('span');
  name.textContent = label;
  const input = document.createElement('input');
  input.type = 'range';
  input.id = id;
  input.min = String(min);
  input.max = String(max);
  input.step = String(step);
  input.value = String(value);
  const val = document.createElement('span');
  val.className = 'val';
  val.textContent = format(value);
  input.addEventListener('input', () => {
    val.textContent = format(Number(input.value));
    onInput(Number(input.value));
  });
  row.append(name, input, val);
  controls.appendChild(row);
  return input;
}
export function checkbox(id: string, label: string, checked: boolean, onChange: (v: boolean) => void, swatch?: RGB): HTMLInputElement {
  const row = document.createElement('label');
  const input = document.createElement('input');
  input.type = 'checkbox';
  input.id = id;
  input.checked = checked;
  input.addEventListener('change', () => onChange(input.checked));
  row.appendChild(input);
  if (swatch) {
    const s = document.createElement('span');
    s.className = 'swatch';
    s.style.background = `rgb(${swatch.join(',')})`;
    row.appendChild(s);
  }
  row.appendChild(document.createTextNode(label));
  controls.appendChild(row);
  return input;
}
