// Shows the "Copy URL" buttons of the subscribe links and copies a feed's
// address when one is pressed. Without this script the buttons stay hidden
// and the feed links beside them are all there is: their addresses can be
// copied like any link's.
"use strict";

for (const button of document.querySelectorAll("button.copy[data-url]")) {
  const label = button.textContent;
  let timer = 0;
  button.hidden = false;
  button.addEventListener("click", async () => {
    const url = button.dataset.url;
    let copied = false;
    try {
      await navigator.clipboard.writeText(url); // secure contexts only
      copied = true;
    } catch {
      copied = copyBySelection(url);
    }
    if (!copied) {
      window.prompt("Copy this address into your feed reader:", url);
      return;
    }
    button.textContent = "Copied";
    button.classList.add("done");
    clearTimeout(timer);
    timer = setTimeout(() => {
      button.textContent = label;
      button.classList.remove("done");
    }, 2000);
  });
}

// copyBySelection copies text the old way, for pages served over plain
// HTTP, where browsers offer no clipboard API.
function copyBySelection(text) {
  const field = document.createElement("textarea");
  field.value = text;
  field.readOnly = true;
  field.className = "offscreen";
  document.body.append(field);
  field.select();
  let copied = false;
  try {
    copied = document.execCommand("copy");
  } catch {
    copied = false;
  }
  field.remove();
  return copied;
}
