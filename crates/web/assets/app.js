// Ownpace progressive enhancement. Every page works without this file.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // Practice: number keys 1-9 pick a choice; the text answer gets the focus.
  const form = document.getElementById("answer-form");
  if (form) {
    const text = document.getElementById("response");
    if (text && text.type !== "radio") text.focus();
    document.addEventListener("keydown", (event) => {
      if (event.target instanceof HTMLInputElement && event.target.type === "text") return;
      const n = Number.parseInt(event.key, 10);
      const choice = document.getElementById(`choice-${n - 1}`);
      if (choice) { choice.checked = true; choice.focus(); }
    });
  }
  // Skill map: the picture starts at its left edge (the widest row's first skill); it is
  // never scrolled on load, so no skill is hidden to the left.
  // Feedback: after an answer, the focus moves to the verdict, so the next Tab reaches
  // what follows it (the explanation, then "Next question").
  const verdict = document.getElementById("verdict");
  if (verdict) verdict.focus();
  // Set-up codes: a print button.
  for (const button of document.querySelectorAll("[data-print]")) {
    button.addEventListener("click", () => window.print());
  }
  // Heatmap: arrow keys move between cells.
  const heatmap = document.getElementById("heatmap");
  if (heatmap) {
    heatmap.addEventListener("keydown", (event) => {
      const cell = event.target.closest("td.cell");
      if (!cell) return;
      const row = cell.parentElement;
      const index = Array.prototype.indexOf.call(row.children, cell);
      let next = null;
      if (event.key === "ArrowRight") next = cell.nextElementSibling;
      if (event.key === "ArrowLeft") next = cell.previousElementSibling;
      if (event.key === "ArrowDown" && row.nextElementSibling) next = row.nextElementSibling.children[index];
      if (event.key === "ArrowUp" && row.previousElementSibling) next = row.previousElementSibling.children[index];
      if (next && next.classList.contains("cell")) { next.focus(); event.preventDefault(); }
    });
  }
});
