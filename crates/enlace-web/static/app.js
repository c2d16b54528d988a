// Small progressive enhancements; every page works without this file.
'use strict';
document.addEventListener('submit', (ev) => {
  // Buttons that change another person's account ask first.
  const btn = ev.submitter;
  const msg = btn && btn.dataset ? btn.dataset.confirm : null;
  if (msg && !window.confirm(msg)) ev.preventDefault();
});
