// layout.mjs: the layout check every page of kassa's web interfaces passes
// (the payer page, the console), at phone (375 px) and desktop (1280 px)
// widths:
//   - no horizontal overflow: the document is no wider than the viewport,
//     and no element sticks out of it (elements inside a container that
//     scrolls or clips sideways are that container's business);
//   - no word broken across lines: every word of every visible text node
//     lies on one line. Words are split at spaces and at hyphens (a hyphen
//     is a place a word may break: "QR-код"). Text under an element with
//     `overflow-wrap: anywhere` (long tokens: card numbers, links) may
//     wrap anywhere and is not checked.
//
//   import { checkLayout } from "./layout.mjs";
//   const problems = await checkLayout(page);   // [] when all is well
//
// Each problem is a string naming the element ("div.row > button#copy")
// and what is wrong.
export async function checkLayout(page, options = {}) {
  return page.evaluate((opts) => {
    const problems = [];
    const vw = window.innerWidth;
    const slack = opts.slack ?? 1;
    const describe = (el) => {
      const parts = [];
      for (let e = el; e && e.nodeType === 1 && parts.length < 4; e = e.parentElement) {
        let s = e.tagName.toLowerCase();
        if (e.id) s += "#" + e.id;
        else if (e.classList.length) s += "." + [...e.classList].join(".");
        parts.unshift(s);
        if (e.id) break;
      }
      return parts.join(" > ");
    };
    const clipsSideways = (el) => {
      for (let e = el.parentElement; e && e !== document.body && e !== document.documentElement;
           e = e.parentElement) {
        const ox = getComputedStyle(e).overflowX;
        if (ox === "auto" || ox === "scroll" || ox === "hidden" || ox === "clip") return true;
      }
      return false;
    };
    const visible = (el) => {
      const cs = getComputedStyle(el);
      return cs.display !== "none" && cs.visibility !== "hidden" && el.getClientRects().length > 0;
    };

    // 1. horizontal overflow
    const sw = document.scrollingElement.scrollWidth;
    if (sw > vw + slack) problems.push(`document: scrollWidth ${sw} > viewport ${vw}`);
    for (const el of document.body.querySelectorAll("*")) {
      if (!visible(el)) continue;
      const r = el.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue;
      if ((r.right > vw + slack || r.left < -slack) && !clipsSideways(el))
        problems.push(`overflow: ${describe(el)} spans ${Math.round(r.left)}..${Math.round(r.right)}` +
                      ` of ${vw} px`);
    }

    // 2. words broken across lines
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    const word = /[^\s\u00ad\u2010-\u2015-]+/g;
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement;
      if (!el || !visible(el) || el.closest("script, style, noscript")) continue;
      if (opts.allowAnywhere !== false && getComputedStyle(el).overflowWrap === "anywhere") continue;
      const text = n.textContent;
      for (const m of text.matchAll(word)) {
        const range = document.createRange();
        range.setStart(n, m.index);
        range.setEnd(n, m.index + m[0].length);
        const rects = [...range.getClientRects()].filter((r) => r.width > 0 && r.height > 0);
        if (rects.length < 2) continue;
        const first = rects[0];
        const lines = rects.some((r) => Math.abs(r.top - first.top) > first.height / 2);
        if (lines) problems.push(`broken word "${m[0]}" in ${describe(el)}`);
      }
    }
    return problems;
  }, options);
}
