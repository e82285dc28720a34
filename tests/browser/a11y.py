"""Comprobaciones de accesibilidad que corren dentro de la página (JavaScript).

Cada una devuelve una lista de problemas legibles; una lista vacía es un aprobado.
"""

from __future__ import annotations

# Colores, luminancia y contraste según WCAG 2.2 (criterios 1.4.3 y 1.4.11).
_COLOR_HELPERS = """
const parse = (text) => {
  const m = /rgba?\\(([^)]+)\\)/.exec(text);
  if (!m) return null;
  const [r, g, b, a = 1] = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
  return { r, g, b, a };
};
const over = (top, bottom) => ({
  r: top.r * top.a + bottom.r * (1 - top.a),
  g: top.g * top.a + bottom.g * (1 - top.a),
  b: top.b * top.a + bottom.b * (1 - top.a),
  a: 1,
});
const luminance = ({ r, g, b }) => {
  const lin = (v) => ((v /= 255) <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
};
const ratio = (fg, bg) => {
  const [hi, lo] = [luminance(fg), luminance(bg)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
};
// El fondo que hay de verdad detrás de un elemento: sus capas hasta la primera opaca.
const backgroundOf = (element) => {
  const layers = [];
  for (let e = element; e; e = e.parentElement) {
    const color = parse(getComputedStyle(e).backgroundColor);
    if (color && color.a > 0) {
      layers.push(color);
      if (color.a >= 1) break;
    }
  }
  let bg = { r: 255, g: 255, b: 255, a: 1 };
  for (const layer of layers.reverse()) bg = over(layer, bg);
  return bg;
};
const rgb = ({ r, g, b }) => `rgb(${Math.round(r)}, ${Math.round(g)}, ${Math.round(b)})`;
const describe = (el) =>
  el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
  (el.className && typeof el.className === "string" ? "." + el.className.split(" ").join(".") : "");
"""

# Todo texto visible (y cada placeholder) contra su fondo: 4,5:1, o 3:1 si es grande.
TEXT_CONTRAST_PROBLEMS = (
    "() => {"
    + _COLOR_HELPERS
    + """
  const problems = [];
  for (const el of document.body.querySelectorAll("*")) {
    const ownText = [...el.childNodes]
      .filter((n) => n.nodeType === Node.TEXT_NODE).map((n) => n.textContent).join("").trim();
    const isField = el.matches("input, textarea");
    if (!ownText && !isField) continue;
    if (!el.checkVisibility({ opacityProperty: true, visibilityProperty: true })) continue;
    const box = el.getBoundingClientRect();
    if (box.width <= 1 || box.height <= 1) continue; // Texto solo para lectores de pantalla.
    if (el.closest(":disabled")) continue; // WCAG no pide contraste a lo desactivado.
    const style = getComputedStyle(el);
    const bg = backgroundOf(el);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (Number(style.fontWeight) >= 700 && size >= 18.66);
    const check = (what, colorText) => {
      const fg = over(parse(colorText), bg);
      const r = ratio(fg, bg);
      if (r < (large ? 3 : 4.5)) {
        problems.push(`${describe(el)} «${what.slice(0, 40)}»: ${rgb(fg)} sobre ${rgb(bg)}` +
          ` = ${r.toFixed(2)}:1`);
      }
    };
    if (ownText) check(ownText, style.color);
    if (isField) {
      check(el.value || "(valor)", style.color);
      if (el.placeholder) check(el.placeholder, getComputedStyle(el, "::placeholder").color);
    }
  }
  return problems;
}"""
)

# El indicador de foco del elemento activo: un contorno de 2 px o más, que contraste 3:1.
FOCUS_INDICATOR = (
    "() => {"
    + _COLOR_HELPERS
    + """
  const el = document.activeElement;
  if (!el || el === document.body) return { element: null };
  const style = getComputedStyle(el);
  const width = parseFloat(style.outlineWidth) || 0;
  const color = parse(style.outlineColor);
  const around = backgroundOf(el.parentElement || el);
  return {
    element: describe(el),
    visible: style.outlineStyle !== "none" && width >= 2 && color !== null && color.a > 0,
    outline: `${style.outlineStyle} ${style.outlineWidth} ${style.outlineColor}`,
    contrast: color ? ratio(over(color, around), around) : 0,
  };
}"""
)

# Cada control de formulario tiene un nombre accesible (una <label>, aria-label…).
UNLABELLED_CONTROLS = """() =>
  [...document.querySelectorAll("input, textarea, select, button")]
    .filter((el) => el.type !== "hidden")
    .filter((el) => !(
      (el.labels && [...el.labels].some((label) => label.textContent.trim())) ||
      el.getAttribute("aria-label") || el.getAttribute("aria-labelledby") ||
      (el.tagName === "BUTTON" && el.textContent.trim())
    ))
    .map((el) => el.outerHTML)
"""
