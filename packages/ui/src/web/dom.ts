/**
 * The few DOM helpers the views share: `h` builds an element from attributes and children (an `on…` attribute
 * adds a listener; `false`, null and undefined are left out), `toast` shows a short message, `dialog` runs a form
 * in a modal <dialog> and resolves with its fields, or undefined when cancelled.
 */
type Child = Node | string | number | null | undefined | false | Child[];
type AttrValue = string | number | boolean | null | undefined | ((event: Event) => void);

/** An element of `tag` with `attrs` and `children`; `class`, `data-*`, `aria-*` and the rest are attributes. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, AttrValue> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (typeof value === "function") el.addEventListener(name.slice(2), value);
    else if (value === true) el.setAttribute(name, "");
    else if (value !== false && value !== null && value !== undefined) el.setAttribute(name, String(value));
  }
  append(el, children);
  return el;
}

function append(el: Element, children: Child[]): void {
  for (const child of children) {
    if (Array.isArray(child)) append(el, child);
    else if (child instanceof Node) el.append(child);
    else if (child !== null && child !== undefined && child !== false) el.append(String(child));
  }
}

/** Replaces every child of `el`. */
export function replace(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, children);
}

/** Shows `message` in the corner for a few seconds; errors stay until clicked. */
export function toast(message: string, kind: "info" | "error" = "info"): void {
  let box = document.getElementById("toasts");
  if (!box) document.body.append((box = h("div", { id: "toasts" })));
  const item = h("div", { class: `toast ${kind}`, role: kind === "error" ? "alert" : "status", onclick: () => item.remove() }, message);
  box.append(item);
  if (kind === "info") setTimeout(() => item.remove(), 4000);
}

/** One field of a dialog form. */
export interface Field {
  name: string;
  label: string;
  type?: "text" | "checkbox" | "select";
  value?: string;
  checked?: boolean;
  options?: string[];
  placeholder?: string;
  list?: string[];
  required?: boolean;
}

/**
 * A modal form: resolves with each field's value ("true"/"false" for checkboxes) when submitted, or undefined when
 * cancelled. `danger` styles the submit button as destructive.
 */
export function dialog(title: string, fields: Field[], submit: string, danger = false): Promise<Record<string, string> | undefined> {
  return new Promise((resolve) => {
    const inputs = fields.map((f) => {
      const id = `f-${f.name}`;
      if (f.type === "checkbox") {
        return h("label", { class: "check" }, h("input", { type: "checkbox", name: f.name, id, checked: f.checked ?? false }), f.label);
      }
      if (f.type === "select") {
        return h("label", {}, f.label, h("select", { name: f.name, id }, (f.options ?? []).map((o) => h("option", { value: o, selected: o === f.value }, o))));
      }
      const listId = f.list ? `${id}-list` : undefined;
      return h("label", {}, f.label,
        h("input", { type: "text", name: f.name, id, value: f.value ?? "", placeholder: f.placeholder ?? "", list: listId, required: f.required ?? false, autocomplete: "off" }),
        f.list ? h("datalist", { id: listId }, f.list.map((o) => h("option", { value: o }))) : null);
    });
    const form = h("form", { method: "dialog" },
      h("h2", {}, title), ...inputs,
      h("div", { class: "buttons" },
        h("button", { type: "button", class: "secondary", value: "cancel", onclick: () => close(undefined) }, "Cancel"),
        h("button", { type: "submit", class: danger ? "danger" : "primary" }, submit)));
    const box = h("dialog", {}, form);
    const close = (result: Record<string, string> | undefined) => {
      box.close();
      box.remove();
      resolve(result);
    };
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const values: Record<string, string> = {};
      for (const f of fields) {
        const input = form.elements.namedItem(f.name) as HTMLInputElement | HTMLSelectElement;
        values[f.name] = input instanceof HTMLInputElement && input.type === "checkbox" ? String(input.checked) : input.value;
      }
      close(values);
    });
    box.addEventListener("cancel", (event) => (event.preventDefault(), close(undefined)));
    document.body.append(box);
    box.showModal();
  });
}

/** What a view gives the router: its element, and `dispose` to close its streams, timers and sockets. */
export interface View {
  el: HTMLElement;
  dispose(): void;
}
