/** The page's elements by id, typed; a missing one is a bug in the page, said at once. */
export function byId<T extends HTMLElement>(id: string, type: new () => T): T {
  const element = document.getElementById(id);
  if (!(element instanceof type)) throw new Error(`the page has no ${type.name} #${id}`);
  return element;
}

/** Shows one section of the page and moves the keyboard focus to its heading. */
export function showSection(id: string): void {
  for (const section of document.querySelectorAll<HTMLElement>('main > section'))
    section.hidden = section.id !== id;
  document.querySelector<HTMLElement>(`#${id} h2`)?.focus();
}

/** Says something to the user (and to screen readers: the status region is polite and live). */
export function say(text: string): void {
  byId('status', HTMLParagraphElement).textContent = text;
}

/** An error as the user sees it: its stable code and fixed message, never any input. */
export function describeError(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'code' in error && 'message' in error)
    return `${String(error.code)}: ${String(error.message)}`;
  return 'Something went wrong.';
}

/** Resolves with what `form` holds when it is next submitted (one submission). */
export function nextSubmit(form: HTMLFormElement): Promise<FormData> {
  return new Promise((resolve) => {
    form.addEventListener(
      'submit',
      (event) => {
        event.preventDefault();
        resolve(new FormData(form));
      },
      { once: true },
    );
  });
}

export function field(data: FormData, name: string): string {
  const value = data.get(name);
  return typeof value === 'string' ? value.trim() : '';
}
