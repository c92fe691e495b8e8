/* The unit's report form: keeps a draft as the reporter types, and sends files as they are
 * chosen. Without this script the form works as before (its buttons post everything).
 *
 * Autosave posts the form (action=save) to data-autosave-url 2 s after the last change and when
 * the page is left, with the form's CSRF token. The answer is JSON {ok, version, message,
 * errors}: the new version goes into the hidden field so the next save is not refused as stale;
 * field errors are shown next to their fields and nothing is saved (the server's rule); a 409
 * (the office returned the report, another tab saved it, the campaign closed) stops autosaving
 * and says so: nothing is ever overwritten silently.
 */
(function () {
  "use strict";

  var form = document.querySelector("form[data-autosave-url]");
  var status = document.getElementById("autosave-status");
  if (!form || !status || !window.fetch || !window.FormData) {
    return;
  }
  var autosaveUrl = form.getAttribute("data-autosave-url");
  var uploadUrl = form.getAttribute("data-upload-url");
  var version = form.querySelector("input[name=version]");
  var DELAY = 2000;
  var RETRY = 10000;
  var timer = null;
  var inFlight = null;
  var edits = 0; // changes typed so far; a save clears "dirty" only if none came meanwhile
  var savedEdits = 0;
  var stopped = false;
  var submitting = false;

  function say(state, text) {
    status.setAttribute("data-state", state);
    status.textContent = text || "";
  }

  function message(name) {
    return status.getAttribute("data-msg-" + name) || "";
  }

  function token() {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function dirty() {
    return edits !== savedEdits;
  }

  function draftBody() {
    var data = new FormData(form);
    // Files have their own address; a draft carries only what was typed.
    form.querySelectorAll("input[type=file]").forEach(function (input) {
      data.delete(input.name);
    });
    data.delete("remove");
    data.set("action", "save");
    return data;
  }

  function unmark(field) {
    if (field && !field.querySelector(".errorlist")) {
      field.classList.remove("field-error");
    }
  }

  // After a save the server took, the figures' errors shown before (by the page or by an
  // earlier save) are stale; a file's refusal stays until that file group changes.
  function clearErrors() {
    form.querySelectorAll("[data-field] .errorlist:not([data-file-errors])").forEach(function (list) {
      var field = list.closest("[data-field]");
      list.remove();
      unmark(field);
    });
    form.querySelectorAll("[data-form-alert]").forEach(function (alert) {
      alert.remove();
    });
  }

  function showErrors(errors) {
    clearErrors();
    Object.keys(errors || {}).forEach(function (name) {
      var field = form.querySelector('[data-field="' + CSS.escape(name) + '"]');
      if (!field) {
        return;
      }
      var list = document.createElement("ul");
      list.className = "errorlist";
      list.setAttribute("data-autosave-error", "");
      errors[name].forEach(function (text) {
        var item = document.createElement("li");
        item.textContent = text;
        list.appendChild(item);
      });
      field.appendChild(list);
      field.classList.add("field-error");
    });
  }

  function schedule(delay) {
    window.clearTimeout(timer);
    if (!stopped && !submitting) {
      timer = window.setTimeout(save, delay);
    }
  }

  function readJson(response) {
    return response.json().then(
      function (json) {
        return { response: response, json: json };
      },
      function () {
        return { response: response, json: null };
      }
    );
  }

  function save(leaving) {
    window.clearTimeout(timer);
    if (stopped || submitting || !dirty()) {
      return Promise.resolve();
    }
    if (inFlight) {
      // One save at a time: the next one needs the version this one brings back.
      return inFlight.then(function () {
        return save(leaving);
      });
    }
    var sentEdits = edits;
    var body = draftBody();
    say("saving", message("saving"));
    inFlight = fetch(autosaveUrl, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": token(), Accept: "application/json" },
      // A save started as the page goes away may finish after it (within the browser's limit).
      keepalive: leaving === true,
    })
      .then(readJson)
      .then(function (result) {
        var response = result.response;
        var json = result.json;
        if (response.redirected || (!json && response.ok)) {
          // The session ended: the sign-in page answered instead of the form.
          stopped = true;
          say("error", message("signed-out"));
          return;
        }
        if (json && json.ok) {
          version.value = json.version;
          savedEdits = sentEdits;
          clearErrors();
          say("saved", json.message);
          if (dirty()) {
            schedule(DELAY);
          }
        } else if (response.status === 400 && json) {
          showErrors(json.errors);
          say("invalid", json.message);
        } else if (response.status === 409 && json) {
          stopped = true;
          say("stale", json.message);
        } else {
          say("error", message("retry"));
          schedule(RETRY);
        }
      })
      .catch(function () {
        say("error", message("retry"));
        schedule(RETRY);
      })
      .then(function () {
        inFlight = null;
      });
    return inFlight;
  }

  form.addEventListener("input", function (event) {
    if (event.target.type === "file") {
      return;
    }
    edits += 1;
    schedule(DELAY);
  });

  form.addEventListener("submit", function (event) {
    if (inFlight && !submitting) {
      // Let the save in progress bring back the version this submission must carry.
      event.preventDefault();
      var submitter = event.submitter;
      inFlight.then(function () {
        submitting = true;
        if (form.requestSubmit) {
          form.requestSubmit(submitter || undefined);
        } else {
          form.submit();
        }
      });
      return;
    }
    submitting = true;
    window.clearTimeout(timer);
  });

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") {
      save(true);
    }
  });
  window.addEventListener("pagehide", function () {
    save(true);
  });

  // Files: sent as soon as they are chosen, then the list of the group is redrawn.

  function putLists(lists) {
    Object.keys(lists || {}).forEach(function (group) {
      var list = form.querySelector('[data-attachments="' + CSS.escape(group) + '"]');
      if (list) {
        list.outerHTML = lists[group];
      }
    });
  }

  function showFileErrors(group, texts) {
    var field = form.querySelector('[data-field="' + CSS.escape(group || "attachments") + '"]');
    if (!field) {
      return;
    }
    var old = field.querySelector("[data-file-errors]");
    if (old) {
      old.remove();
    }
    if (!texts || !texts.length) {
      unmark(field);
      return;
    }
    field.classList.add("field-error");
    var list = document.createElement("ul");
    list.className = "errorlist";
    list.setAttribute("data-file-errors", group);
    list.setAttribute("role", "alert");
    texts.forEach(function (text) {
      var item = document.createElement("li");
      item.textContent = text;
      list.appendChild(item);
    });
    field.appendChild(list);
  }

  function groupOf(input) {
    return input.name === "attachments" ? "" : input.name.replace(/^file-/, "");
  }

  function upload(input) {
    if (!uploadUrl || !input.files || !input.files.length || stopped) {
      return;
    }
    // One file per request: the server takes a request of at most one file's size limit.
    var files = Array.prototype.slice.call(input.files);
    var group = groupOf(input);
    var refusals = [];
    say("uploading", message("uploading"));

    function sendOne(file) {
      var body = new FormData();
      body.append("csrfmiddlewaretoken", token());
      body.append(input.name, file);
      return fetch(uploadUrl, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { "X-CSRFToken": token(), Accept: "application/json" },
      })
        .then(readJson)
        .then(function (result) {
          var json = result.json;
          if (!json) {
            throw new Error("upload failed");
          }
          putLists(json.lists);
          // A refusal of the whole request (too large) comes under "".
          var errors = json.errors || {};
          refusals = refusals.concat(errors[group] || errors[""] || []);
          if (result.response.status === 409) {
            stopped = true;
            say("stale", json.message);
          }
        });
    }

    files
      .reduce(function (previous, file) {
        return previous.then(function () {
          return stopped ? null : sendOne(file);
        });
      }, Promise.resolve())
      .then(function () {
        input.value = "";
        showFileErrors(group, refusals);
        if (!stopped) {
          say("idle", "");
        }
      })
      .catch(function () {
        showFileErrors(group, refusals);
        say("error", message("upload-failed"));
      });
  }

  form.addEventListener("change", function (event) {
    if (event.target.type === "file") {
      upload(event.target);
    }
  });

  form.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-remove-url]");
    if (!button || stopped) {
      return;
    }
    event.preventDefault();
    button.disabled = true;
    var body = new FormData();
    body.append("csrfmiddlewaretoken", token());
    var group = button.closest("[data-attachments]").getAttribute("data-attachments");
    fetch(button.getAttribute("data-remove-url"), {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": token(), Accept: "application/json" },
    })
      .then(readJson)
      .then(function (result) {
        var json = result.json;
        button.disabled = false;
        if (!json) {
          say("error", message("retry"));
          return;
        }
        putLists(json.lists);
        showFileErrors(group, json.ok ? [] : [json.message]);
        if (result.response.status === 409) {
          stopped = true;
          say("stale", json.message);
        } else {
          say(json.ok ? "idle" : "error", json.ok ? json.message : "");
        }
      })
      .catch(function () {
        button.disabled = false;
        say("error", message("retry"));
      });
  });
})();
