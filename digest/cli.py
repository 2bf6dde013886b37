"""Command line: `python build.py [build|check|new|summarize|models|serve] ...`.

Exit codes: 0 success, 1 content (or model) errors, 2 usage errors (an output folder refused too).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import sys
from datetime import datetime
from pathlib import Path
from typing import NoReturn

from digest.problems import ContentError, Problem, print_problems

EXIT_OK, EXIT_CONTENT, EXIT_USAGE = 0, 1, 2
PREVIEW_FOLDER = "preview"  # inside the cache folder: where `serve` builds by default


def _site_options(parser: argparse.ArgumentParser, output: bool = True, preview: bool = False) -> None:
    parser.add_argument("--content", type=Path, default=Path("content"), help="articles folder (default: content/)")
    if output:
        # The preview's default is not site/: its pages link to the local server, and a site/
        # uploaded after a preview must still be what `build` made (`hugo server` leaves public/
        # alone too). None: cmd_serve puts it in the cache folder, wherever --cache says that is.
        parser.add_argument("--output", type=Path, default=None if preview else Path("site"),
                            help=f"output folder (default: {PREVIEW_FOLDER}/ in the cache folder, so that "
                            "site/ keeps what 'build' made)" if preview else "output folder (default: site/)")
        parser.add_argument("--cache", type=Path, default=Path(".cache"),
                            help="cache folder for translations and incremental builds (default: .cache/)")
        parser.add_argument("--drafts", action="store_true", help="include articles marked draft: true")
        parser.add_argument("--force", action="store_true",
                            help="replace an output folder that holds files this project's build did not write "
                                 "(by default such a folder is refused, since every build replaces what is in it)")
        parser.add_argument("--base-url", help="override base_url from the settings")
    parser.add_argument("--config", type=Path, default=Path("site.yaml"), help="site settings (default: site.yaml)")


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="build.py", description="Build the bilingual Arabic/English news digest into a static site.")
    parser.add_argument("--version", action=_VersionAction,
                        help="print the versions of the project, Python and the libraries it uses")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    build = commands.add_parser("build", help="build the site (the default command)",
                                description="Build content/ into a complete static site.")
    _site_options(build)
    build.add_argument("--strict", action="store_true",
                       help="fail when no translation model is installed (for publishing pipelines)")
    build.add_argument("--jobs", type=int, default=0, help="worker processes (default: one per core)")
    build.add_argument("--timings", action="store_true", help="print the time of each build phase")
    loudness = build.add_mutually_exclusive_group()
    loudness.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    loudness.add_argument("-v", "--verbose", action="store_true",
                          help="print progress, the time of each build phase and every note")
    build.add_argument("--in-place", action="store_true",
                       help="move the changed files into the output folder one by one even when most pages "
                            "changed (by default only a build that changes at most half of the pages does so, "
                            "and a bigger one swaps in a whole new folder)")

    check = commands.add_parser("check", help="validate content without writing anything",
                                description="Check every article as a build would, and list the machine "
                                            "translations the quality gate holds back; writes nothing.")
    _site_options(check, output=False)
    check.add_argument("--cache", type=Path, default=Path(".cache"),
                       help="cache folder whose translations are checked (default: .cache/)")
    check.add_argument("--fix", action="store_true",
                       help="record source_hash in articles whose English was written by an editor")

    new = commands.add_parser("new", help="write a new article file", description="Write a new article.")
    new.add_argument("title", help="the Arabic title")
    new.add_argument("--slug", help="file name without extension (default: date and transliterated title)")
    new.add_argument("--category", help="a category key from the settings (default: the first)")
    new.add_argument("--bundle", action="store_true",
                     help="write a page bundle, <slug>/index.md, to put the article's images beside it")
    _site_options(new, output=False)

    summarize = commands.add_parser("summarize", help="print the extractive summary of a file",
                                    description="Print the Arabic summary of a text or article file.")
    summarize.add_argument("file", type=Path)
    summarize.add_argument("--words", type=int, default=None,
                           help="word budget (default: summary_words from the site settings)")
    summarize.add_argument("--config", type=Path, default=Path("site.yaml"),
                           help="site settings (default: site.yaml)")

    models = commands.add_parser("models", help="list or install translation models",
                                 description="Manage Argos Translate packages.")
    model_commands = models.add_subparsers(dest="models_command", metavar="ACTION", required=True)
    model_commands.add_parser("list", help="show the installed models", description="Show installed models.")
    install = model_commands.add_parser(
        "install", help="install a model from a file, or Arabic-English from the Argos index",
        description="Install an .argosmodel file, or download Arabic-English from the Argos index.")
    install.add_argument("path", nargs="?", type=Path, help="an .argosmodel file")

    translations = commands.add_parser("translations", help="check machine translations",
                                       description="Tools for machine translations.")
    translation_commands = translations.add_subparsers(dest="translations_command", metavar="ACTION", required=True)
    gate = translation_commands.add_parser(
        "gate", help="run the quality gate over parallel files",
        description="Read two files as parallel lines (Arabic source, English output) and print "
                    "'LINE: reason' for each pair the quality gate holds back, then a count.")
    gate.add_argument("sources", type=Path, metavar="AR_FILE")
    gate.add_argument("outputs", type=Path, metavar="EN_FILE")

    serve = commands.add_parser("serve", help="build, serve and rebuild on changes",
                                description="Preview the site with live reload.")
    _site_options(serve, preview=True)
    serve.add_argument("--host", default="127.0.0.1", help="interface to listen on (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    return parser


class _Parser(argparse.ArgumentParser):
    """A subcommand's parser: an unknown option is reported with this subcommand's usage and the
    closest known option, rather than with the top-level usage."""

    def parse_known_args(self, args=None, namespace=None):  # type: ignore[no-untyped-def,override]
        parsed, extras = super().parse_known_args(args, namespace)
        if extras:
            self.error(_unknown(extras, [s for a in self._actions for s in a.option_strings]))
        return parsed, extras


def _unknown(extras: list[str], known: list[str]) -> str:
    import difflib

    first = extras[0].split("=", 1)[0]
    close = difflib.get_close_matches(first, known, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]}?" if close else ""
    return f"unrecognized argument{'s' if len(extras) > 1 else ''}: {' '.join(extras)}{hint}"


class _VersionAction(argparse.Action):
    """`--version`: the versions are read only when asked for (it takes a moment)."""

    def __init__(self, option_strings: list[str], dest: str, **kwargs: object) -> None:
        super().__init__(option_strings, dest, nargs=0, help=str(kwargs.get("help", "")))

    def __call__(self, parser, namespace, values, option_string=None):  # type: ignore[no-untyped-def]
        print(versions())
        parser.exit()


def versions() -> str:
    """The project's version, Python's, and those of the libraries whose work a build shows."""
    import importlib.metadata
    import platform

    lines = []
    for name, dist in (("bilingual-digest", "bilingual-digest"), ("Python", None), ("Jinja2", "Jinja2"),
                       ("markdown-it-py", "markdown-it-py"), ("PyYAML", "PyYAML"), ("watchfiles", "watchfiles"),
                       ("argostranslate", "argostranslate"), ("CTranslate2", "ctranslate2"),
                       ("SentencePiece", "sentencepiece"), ("Babel", "Babel"), ("nh3", "nh3")):
        if dist is None:
            version = platform.python_version()
        else:
            try:
                version = importlib.metadata.version(dist)
            except importlib.metadata.PackageNotFoundError:
                version = "not installed"
        lines.append(f"{name} {version}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = make_parser().parse_args(_with_command(sys.argv[1:] if argv is None else list(argv)))
    try:
        return HANDLERS[args.command](args)
    except ContentError as exc:
        print_problems(exc.problems)
        errors = sum(not p.warning for p in exc.problems)
        what = "found by check" if args.command == "check" else "nothing was published"
        print(f"{errors} error(s); {what}", file=sys.stderr)
        return EXIT_CONTENT
    except OSError as exc:  # a folder that cannot be made or written: a file in its way, a full disk
        where = f": {exc.filename}" if exc.filename else ""
        print(f"error: {exc.strerror or exc}{where}", file=sys.stderr)
        return EXIT_CONTENT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


_EXIT_AFTER_BUILD = False  # set by run(): see there
_KEPT: list[object] = []


def run() -> NoReturn:
    """`python build.py ...`: main(), then exit with its status.

    A build ends without the interpreter's teardown (os._exit, once the output is flushed):
    every file it wrote is closed by then and its worker pools are shut, so freeing the objects
    it made (its Builder's first) would only delay the prompt. Other commands exit normally.
    """
    global _EXIT_AFTER_BUILD
    argv = _with_command(sys.argv[1:])
    _EXIT_AFTER_BUILD = argv[0] == "build"
    try:
        status = main(argv)
        sys.stdout.flush()
    except BrokenPipeError:
        # Whoever read the output went away (`build.py | head`): no traceback, and, as Python's
        # documentation advises, stdout pointed at devnull so that exiting cannot fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        status = 1
    if _EXIT_AFTER_BUILD:
        sys.stderr.flush()
        os._exit(status)
    sys.exit(status)


def _with_command(argv: list[str]) -> list[str]:
    """`python build.py` alone, or with build options, means build. A first word that is no
    command and no option is a mistyped command: usage error, with the closest command."""
    if argv and not argv[0].startswith("-") and argv[0] not in HANDLERS:
        import difflib

        close = difflib.get_close_matches(argv[0], list(HANDLERS), n=1, cutoff=0.5)
        hint = f"; did you mean '{close[0]}'?" if close else f"; commands: {', '.join(HANDLERS)}"
        print(f"build.py: error: unknown command '{argv[0]}'{hint}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)
    if not argv or (argv[0] not in HANDLERS and argv[0] not in ("-h", "--help", "--version")):
        return ["build", *argv]
    return argv


def _options(args: argparse.Namespace):
    from digest.build import BuildOptions

    return BuildOptions(content=args.content, output=args.output, config=args.config, cache=args.cache,
                        drafts=args.drafts, base_url=args.base_url,
                        strict=getattr(args, "strict", False), jobs=getattr(args, "jobs", 0),
                        in_place=getattr(args, "in_place", False), force=getattr(args, "force", False),
                        progress=False if getattr(args, "quiet", False) else True if getattr(args, "verbose", False)
                        else None)


def cmd_build(args: argparse.Namespace) -> int:
    from jinja2 import TemplateError

    from digest.build import Builder
    from digest.output import OutputBusy
    from digest.placement import OutputRefused

    builder = Builder(_options(args))
    try:
        result = builder.build()
    except OutputBusy as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CONTENT
    except OutputRefused as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except TemplateError as exc:  # a mistake in templates/: its file and line, as the preview shows it
        from digest.serve import problem_from

        print(problem_from(exc, builder.options.templates), file=sys.stderr)
        print("1 error(s); nothing was published", file=sys.stderr)
        return EXIT_CONTENT
    if _EXIT_AFTER_BUILD:
        _KEPT.append(builder)  # the process's end frees it, not one object at a time (see run)
    if args.quiet:
        return EXIT_OK
    print_problems(result.warnings)
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    if args.timings or args.verbose:
        print("timings: " + ", ".join(f"{k} {v:.3f}s" for k, v in result.phases.items()), file=sys.stderr)
    print(result.summary_line())
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    from digest.build import BuildOptions, load
    from digest.reading import STALE_ENGLISH

    options = BuildOptions(content=args.content, config=args.config, cache=args.cache)
    loaded = load(options)
    image_problems(loaded)
    if args.fix:
        fixed = [a for a in loaded.articles if a.title_en and a.source_hash != a.arabic_hash()]
        for article in fixed:
            record_source_hash(Path(article.path), article.arabic_hash())
            print(f"{article.path}: recorded source_hash {article.arabic_hash()}")
        done = {article.path for article in fixed}
        loaded.warnings = [w for w in loaded.warnings if not (w.message == STALE_ENGLISH and w.path in done)]
    template_problems(options.templates)
    held = held_translations(options, args.cache, loaded.config, loaded.articles)
    print_problems(loaded.warnings + held)
    print(f"checked {len(loaded.articles)} articles: no errors" +
          (f"; {len(held)} machine translations held back" if held else ""))
    return EXIT_OK


def image_problems(loaded) -> None:  # type: ignore[no-untyped-def]
    """Decode every image the articles name in their bundles, as a build would (making and
    writing nothing); ContentError with the file and line of each that cannot be used."""
    from digest.bundles import bundle_of, pictures_for

    problems = []
    for article in loaded.articles:
        if bundle_of(article.path) is None and "![" not in article.body:
            continue
        _, found = pictures_for(article.path, article.image, article.image_line, article.body,
                                article.body_line, loaded.config, verify_only=True)
        problems += [Problem(article.path, line, message) for line, message in found]
    if problems:
        raise ContentError(sorted(problems) + loaded.warnings)


def template_problems(templates: Path) -> None:
    """Compile every template, as a build would before rendering; ContentError with the file and
    line of each syntax error."""
    from jinja2 import Environment, FileSystemLoader, TemplateSyntaxError

    env = Environment(loader=FileSystemLoader(str(templates)))
    problems = []
    for name in env.list_templates(extensions=["html", "xml"]):
        source, filename, _ = env.loader.get_source(env, name)  # type: ignore[union-attr]
        try:
            env.parse(source, name, filename)  # the syntax: filters and globals are the Renderer's
        except TemplateSyntaxError as exc:
            problems.append(Problem(str(templates / name), exc.lineno or 1, exc.message or str(exc)))
    if problems:
        raise ContentError(problems)


def held_translations(options, cache: Path, config, articles: list) -> list[Problem]:  # type: ignore[no-untyped-def]
    """A warning for each machine English field that the quality gate holds back (or, under
    `quality: warn`, publishes although it found it doubtful), from the translation cache under
    the installed model's current key."""
    if config.translation.quality == "off" or not (cache / "translations.sqlite").exists():
        return []
    from digest.incremental.keys import MODEL_MEMO, translation_key
    from digest.models import ModelError, find_model
    from digest.quality import gate
    from digest.tcache import read_rows
    from digest.text import split_sentences

    model = find_model("ar", "en")
    if model is None:
        return []
    try:
        rows = read_rows(cache, translation_key(model, config.translation, cache / MODEL_MEMO, keep=False))
    except ModelError:
        return []
    held = {source: why for source, row in rows.items() if (why := gate(source, *row))}
    if not held:
        return []
    from digest.content import field_line
    from digest.entries import summary_of

    verdict = "held back" if config.translation.quality == "hold" else "published with a warning"
    found = []
    for article in articles:
        fields = []
        if not article.title_en:
            fields.append(("title", article.title))
        if not article.summary_en:
            fields.append(("summary", summary_of(article, config)))
        if article.image_caption and not article.image_caption_en:
            fields.append(("image_caption", article.image_caption))
        for name, text in fields:
            why = next((held[s] for s in split_sentences(text) if s in held), "")
            if why:
                line = field_line(Path(article.path), name) or article.body_line
                found.append(Problem(article.path, line, f"machine English {name} {verdict}: {why}", warning=True))
    return found



def record_source_hash(path: Path, value: str) -> None:
    """Set `source_hash` in a file's front matter, leaving every other line as the editor wrote it."""
    text = path.read_text(encoding="utf-8-sig")
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = text.split(newline)
    end = next(i for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "..."))
    for i in range(1, end):
        if re.match(r"source_hash\s*:", lines[i]):
            lines[i] = f"source_hash: {value}"
            break
    else:
        lines.insert(end, f"source_hash: {value}")
    path.write_text(newline.join(lines), encoding="utf-8")


def cmd_new(args: argparse.Namespace) -> int:
    from digest.config import load_config
    from digest.slugs import ascii_slug, slug_problem

    config = load_config(args.config)
    now = datetime.now(config.tz).replace(microsecond=0)
    title = args.title.strip()
    if not title:
        print("error: the title is empty", file=sys.stderr)
        return EXIT_USAGE
    if re.search("[\ud800-\udfff]", title + (args.category or "")):  # bytes that were not UTF-8
        print("error: the title or category is not valid UTF-8", file=sys.stderr)
        return EXIT_USAGE
    category = next(iter(config.categories), "") if args.category is None else args.category.strip()
    if category and category not in config.categories and not config.allow_new_categories:
        from digest.content import unknown_category

        print(f"error: {unknown_category(category, config)}", file=sys.stderr)
        return EXIT_USAGE
    slug = args.slug or "-".join(
        part for part in (now.strftime("%Y-%m-%d"), ascii_slug(title) or
                          hashlib.sha1(title.encode()).hexdigest()[:8]) if part)
    problem = slug_problem(slug)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return EXIT_USAGE
    path = args.content / slug / "index.md" if args.bundle else args.content / f"{slug}.md"
    if path.exists() or (args.bundle and (args.content / f"{slug}.md").exists()) \
            or (not args.bundle and (args.content / slug / "index.md").exists()):
        print(f"error: {path} already exists; choose another --slug", file=sys.stderr)
        return EXIT_CONTENT
    if not _ARABIC_LETTER.search(title):
        print(f"warning: the title {title!r} has no Arabic letters; 'new' takes the Arabic title "
              "(an English one goes in title_en)", file=sys.stderr)
    path.parent.mkdir(parents=True, exist_ok=True)
    # A draft, with no text to publish: `build` leaves it out until an editor writes the body
    # and turns draft off, and refuses it if draft is turned off with the body still empty.
    path.write_text(
        f"---\ntitle: {_yaml_text(title)}\ndate: {now.isoformat()}\ncategory: {_yaml_text(category)}\n"
        'source: ""         # the publication the news is from\n'
        'source_url: ""     # the address of the original, https://...\n'
        "tags: []\n"
        + ('image: ""         # a picture in this folder, such as lead.jpg\n'
           'image_caption: ""\nimage_credit: ""\n' if args.bundle else "")
        + "draft: true        # false once the article is written: a draft is not published\n"
        "---\n\n", encoding="utf-8")
    print(path)
    return EXIT_OK


# Arabic letters (not digits or punctuation, which other scripts share).
_ARABIC_LETTER = re.compile("[\u0621-\u064a\u066e-\u06d3\u06d5\u06fa-\u06fc\u06ff\u0750-\u077f"
                            "\u08a0-\u08c9\ufb50-\ufdfb\ufe70-\ufefc]")


def _yaml_text(text: str) -> str:
    """Text as a double-quoted YAML scalar: JSON's, with the characters YAML may not hold as
    they are, or reads as line breaks (NEL, U+2028, U+2029), escaped too."""
    import json

    return re.sub("[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]", lambda m: f"\\u{ord(m.group()):04x}",
                  json.dumps(text, ensure_ascii=False))


def cmd_summarize(args: argparse.Namespace) -> int:
    from digest import summarize

    words = args.words
    if words is None:  # what the site's pages get, so that the command shows the same summary
        from digest.config import load_config

        words = load_config(args.config).summary_words
    return summarize.main([str(args.file), "--words", str(words)])


def cmd_models(args: argparse.Namespace) -> int:
    from digest import models

    try:
        if args.models_command == "list":
            found = models.installed_models()
            if not found:
                print("no translation models installed; install one with 'python build.py models install'")
            in_use = models.choose(found, "ar", "en")
            for model in sorted(found, key=lambda m: (m.name, str(m.path))):
                mark = "\t(in use)" if model == in_use else ""
                print(f"{model.name}\t{model.version}\t{model.from_code} -> {model.to_code}\t{model.path}{mark}")
            return EXIT_OK
        model = models.install_model(args.path) if args.path else models.download_model("ar", "en")
        print(f"installed {model.name} {model.version} ({model.from_code} -> {model.to_code})")
        return EXIT_OK
    except models.ModelError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CONTENT


def cmd_translations(args: argparse.Namespace) -> int:
    from digest.quality import gate_lines

    try:
        sources = args.sources.read_text(encoding="utf-8-sig").splitlines()
        outputs = args.outputs.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CONTENT
    held = gate_lines(sources, outputs)
    for number, reason in held:
        print(f"{number}: {reason}")
    print(f"{len(held)} of {max(len(sources), len(outputs))} pairs held back")
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    from digest.serve import serve

    if args.output is None:
        args.output = args.cache / PREVIEW_FOLDER
    return serve(_options(args), host=args.host, port=args.port)


HANDLERS = {"build": cmd_build, "check": cmd_check, "new": cmd_new, "summarize": cmd_summarize,
            "models": cmd_models, "translations": cmd_translations, "serve": cmd_serve}
