/** The value of the input, textarea or select an event came from. */
export const inputValue = (event: Event) =>
  (event.target as HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement).value;

/** Whether the checkbox an event came from is checked. */
export const inputChecked = (event: Event) => (event.target as HTMLInputElement).checked;
