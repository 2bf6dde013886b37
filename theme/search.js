// The search page: folds the query as the index was folded (the table comes from the page, made
// by digest/search/normalise.py), searches every shard through Pagefind's merged indexes, and
// shows each result's title, date, section and summary in the page's language.
const box = document.getElementById("search");
const input = document.getElementById("search-input");
const category = document.getElementById("search-category");
const year = document.getElementById("search-year");
const status = document.getElementById("search-status");
const list = document.getElementById("search-results");
const more = document.getElementById("search-more");
const PAGE = 20; // results shown at a time: each one's title, date and summary is one request
const shards = JSON.parse(box.dataset.shards);
const folds = JSON.parse(box.dataset.folds);

const fold = (text) => Array.from(text, (c) => folds[c] ?? c).join("");

let engine = null;
async function pagefind() {
  if (engine === null) {
    // The first shard's script is the engine; every other shard is merged into it. Each shard
    // holds one section's articles of one month: its year and section are given to Pagefind as
    // filters here, in the browser (see digest/search/shards.py for why not in the index).
    const [first, ...rest] = shards;
    const tags = ([, year, section]) => ({ year, section: section || "-" });
    engine = import(first[0] + "pagefind.js").then(async (pf) => {
      await pf.options({ baseUrl: box.dataset.base, mergeFilter: tags(first) });
      await Promise.all(rest.map((s) => pf.mergeIndex(s[0], { baseUrl: box.dataset.base, mergeFilter: tags(s) })));
      return pf;
    });
  }
  return engine;
}

function item(data) {
  const li = document.createElement("li");
  const heading = document.createElement("h2");
  const link = document.createElement("a");
  link.href = data.url.replace(/\.html$/, "/"); // indexed as /ar/<slug>.html: see digest/search/publish.py
  link.textContent = data.meta.title;
  heading.append(link);
  const meta = document.createElement("p");
  meta.className = "meta";
  meta.textContent = [data.meta.date, data.meta.category].filter(Boolean).join(" · ");
  const summary = document.createElement("p");
  summary.textContent = data.meta.summary || "";
  li.append(heading, meta, summary);
  return li;
}

let latest = 0;
let pending = []; // the results of the current search not shown yet

async function show(id) {
  const next = pending.splice(0, PAGE);
  const shown = await Promise.all(next.map((result) => result.data()));
  if (id !== latest) return;
  list.append(...shown.map(item));
  more.hidden = pending.length === 0;
}

async function search() {
  const asked = input.value.trim();
  const query = fold(asked);
  const filters = {};
  if (category.value) filters.section = category.value;
  if (year.value) filters.year = year.value;
  const params = new URLSearchParams();
  if (asked) params.set("q", asked);
  for (const [key, value] of Object.entries(filters)) params.set(key, value);
  history.replaceState(null, "", params.size ? "?" + params : location.pathname);
  const id = ++latest;
  pending = [];
  more.hidden = true;
  if ((!query && !Object.keys(filters).length) || !shards.length) {
    list.replaceChildren();
    status.textContent = shards.length || !query ? "" : box.dataset.none;
    return;
  }
  status.textContent = box.dataset.loading;
  const pf = await pagefind();
  const found = await pf.search(query || null, { filters });
  if (id !== latest) return;
  list.replaceChildren();
  pending = [...found.results];
  await show(id);
  if (id !== latest) return;
  status.textContent = found.results.length
    ? box.dataset.count.replace("{}", found.results.length.toLocaleString(box.dataset.locale))
    : box.dataset.none;
}

let timer = 0;
const soon = () => {
  clearTimeout(timer);
  timer = setTimeout(search, 150);
};
input.addEventListener("input", soon);
category.addEventListener("change", search);
year.addEventListener("change", search);
more.addEventListener("click", () => show(latest));
box.querySelector("form").addEventListener("submit", (event) => {
  event.preventDefault();
  search();
});

const given = new URLSearchParams(location.search);
input.value = given.get("q") || "";
category.value = given.get("section") || "";
year.value = given.get("year") || "";
if (input.value || category.value || year.value) search();
