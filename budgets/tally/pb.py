"""Reader and writer for the pabulib `.pb` format (META, PROJECTS and VOTES sections)."""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

VOTE_TYPES = ("approval", "choose-1", "cumulative", "ordinal", "scoring")
POINTS_TYPES = ("cumulative", "scoring")
SECTIONS = ("meta", "projects", "votes")

Number = int | Fraction


class PBFormatError(ValueError):
    """A `.pb` file that does not follow the pabulib format; the message names the line."""

    def __init__(self, line: int, problem: str) -> None:
        super().__init__(f"line {line}: {problem}")
        self.line = line
        self.problem = problem


@dataclass(frozen=True, slots=True)
class Project:
    """One PROJECTS row: id, cost and every other column as text."""

    id: str
    cost: Number
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Vote:
    """One VOTES row: the listed projects in ballot order, their points if any, other columns."""

    voter_id: str
    projects: tuple[str, ...]
    points: tuple[Number, ...] | None = None
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class Election:
    """A whole pabulib file: META key/values, projects in file order, votes in file order."""

    meta: dict[str, str]
    projects: dict[str, Project]
    votes: list[Vote]
    project_columns: list[str]
    vote_columns: list[str]

    @property
    def vote_type(self) -> str:
        """The META vote_type (approval, choose-1, cumulative, ordinal or scoring)."""
        return self.meta["vote_type"]

    @property
    def budget(self) -> Number:
        """The META budget as an exact number."""
        return parse_number(self.meta["budget"])


def parse_number(text: str) -> Number:
    """Parse `12`, `12.50` or `12,50` exactly; raises ValueError otherwise."""
    value = Fraction(text.strip().replace(",", "."))
    return value.numerator if value.denominator == 1 else value


def format_number(value: Number) -> str:
    """Write a number so that parse_number reads it back unchanged."""
    value = Fraction(value)
    if value.denominator == 1:
        return str(value.numerator)
    for digits in range(1, 40):
        scaled = value * 10**digits
        if scaled.denominator == 1:
            sign, whole = ("-" if scaled < 0 else ""), abs(scaled.numerator)
            return f"{sign}{whole // 10**digits}.{whole % 10**digits:0{digits}d}"
    raise ValueError(f"{value} has no short decimal expansion")


class _Rows:
    """csv rows with the number of the line each one starts on."""

    def __init__(self, text: str) -> None:
        self._reader = csv.reader(io.StringIO(text, newline=""), delimiter=";")
        self.line = 0

    def __iter__(self) -> Iterator[list[str]]:
        reader = self._reader
        while True:
            start = reader.line_num + 1
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                raise PBFormatError(start, f"malformed row ({error})") from None
            self.line = start
            if row and any(cell.strip() for cell in row):
                yield row


def loads(text: str) -> Election:
    """Parse the text of a `.pb` file; raises PBFormatError naming the line of the problem."""
    rows = _Rows(text.removeprefix("\ufeff"))
    meta: dict[str, str] = {}
    projects: dict[str, Project] = {}
    votes: list[Vote] = []
    headers: dict[str, list[str]] = {}
    section = ""
    expecting_header = False
    parse_row = None
    for row in rows:
        first = row[0].strip()
        if len(row) == 1 and (first.lower() in SECTIONS or first.isupper()):
            name = first.lower()
            if name not in SECTIONS:
                raise PBFormatError(rows.line, f"unknown section {first!r}")
            if name in headers or SECTIONS.index(name) < SECTIONS.index(section or "meta"):
                raise PBFormatError(rows.line, f"section {first} out of order or repeated")
            if name != "meta" and "meta" not in headers:
                raise PBFormatError(rows.line, f"section {first} before META")
            if name == "projects":
                _check_meta(meta, rows.line)
            if name == "votes" and "projects" not in headers:
                raise PBFormatError(rows.line, "section VOTES before PROJECTS")
            section, expecting_header = name, True
            continue
        if not section:
            raise PBFormatError(rows.line, "expected the META section first")
        if expecting_header:
            headers[section] = [cell.strip() for cell in row]
            parse_row = _header_parser(section, headers[section], meta, projects, rows)
            expecting_header = False
            continue
        if section == "meta":
            if len(row) != 2:
                raise PBFormatError(rows.line, f"META row needs key;value, got {len(row)} fields")
            meta[row[0].strip()] = row[1].strip()
        elif section == "projects":
            project = parse_row(row)
            if project.id in projects:
                raise PBFormatError(rows.line, f"duplicate project id {project.id!r}")
            projects[project.id] = project
        else:
            votes.append(parse_row(row))
    for name in SECTIONS:
        if name not in headers:
            raise PBFormatError(rows.line + 1, f"missing section {name.upper()}")
    return Election(meta, projects, votes, headers["projects"], headers["votes"])


def _check_meta(meta: dict[str, str], line: int) -> None:
    for key in ("budget", "vote_type"):
        if key not in meta:
            raise PBFormatError(line, f"META has no {key!r}")
    try:
        parse_number(meta["budget"])
    except (ValueError, ZeroDivisionError):
        raise PBFormatError(line, f"META budget {meta['budget']!r} is not a number") from None
    if meta["vote_type"] not in VOTE_TYPES:
        raise PBFormatError(line, f"unknown vote_type {meta['vote_type']!r}")


def _header_parser(section, header, meta, projects, rows):
    """Return the function that turns one data row of this section into a Project or Vote."""
    if len(set(header)) != len(header):
        raise PBFormatError(rows.line, f"duplicate column in {section.upper()} header")
    if section == "meta":
        if header[:2] != ["key", "value"]:
            raise PBFormatError(rows.line, "META header must be key;value")
        return None
    required = ["project_id", "cost"] if section == "projects" else ["voter_id", "vote"]
    if section == "votes" and meta["vote_type"] in POINTS_TYPES:
        required.append("points")
    for column in required:
        if column not in header:
            raise PBFormatError(rows.line, f"{section.upper()} header has no {column!r} column")
    width = len(header)
    extras = [(i, name) for i, name in enumerate(header) if name not in required]

    def cells(row: list[str]) -> list[str]:
        if len(row) != width:
            raise PBFormatError(rows.line, f"expected {width} fields, got {len(row)}")
        return row

    if section == "projects":
        id_at, cost_at = header.index("project_id"), header.index("cost")

        def project(row: list[str]) -> Project:
            row = cells(row)
            project_id = row[id_at].strip()
            if not project_id:
                raise PBFormatError(rows.line, "empty project_id")
            try:
                cost = parse_number(row[cost_at])
            except (ValueError, ZeroDivisionError):
                raise PBFormatError(
                    rows.line, f"cost {row[cost_at]!r} of project {project_id!r} is not a number"
                ) from None
            if cost < 0:
                raise PBFormatError(rows.line, f"negative cost of project {project_id!r}")
            return Project(project_id, cost, {name: row[i] for i, name in extras})

        return project

    voter_at, vote_at = header.index("voter_id"), header.index("vote")
    points_at = header.index("points") if "points" in required else None
    voters: set[str] = set()

    def vote(row: list[str]) -> Vote:
        row = cells(row)
        voter_id = row[voter_at].strip()
        if voter_id in voters:
            raise PBFormatError(rows.line, f"duplicate voter id {voter_id!r}")
        voters.add(voter_id)
        listed = tuple(p.strip() for p in row[vote_at].split(",")) if row[vote_at].strip() else ()
        for project_id in listed:
            if project_id not in projects:
                raise PBFormatError(rows.line, f"vote for unknown project {project_id!r}")
        if len(set(listed)) != len(listed):
            raise PBFormatError(rows.line, f"voter {voter_id!r} lists a project twice")
        points = None
        if points_at is not None:
            text = row[points_at].strip()
            try:
                points = tuple(parse_number(p) for p in text.split(",")) if text else ()
            except (ValueError, ZeroDivisionError):
                raise PBFormatError(rows.line, f"points {text!r} are not numbers") from None
            if len(points) != len(listed):
                raise PBFormatError(rows.line, f"{len(listed)} projects but {len(points)} points")
        return Vote(voter_id, listed, points, {name: row[i] for i, name in extras})

    return vote


def load(path: str | Path) -> Election:
    """Read a `.pb` file (UTF-8, optional BOM)."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return loads(handle.read())


def dumps(election: Election) -> str:
    """Write an Election as `.pb` text; loads(dumps(e)) == e."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(["META"])
    writer.writerow(["key", "value"])
    writer.writerows(election.meta.items())
    writer.writerow(["PROJECTS"])
    writer.writerow(election.project_columns)
    for project in election.projects.values():
        values = {"project_id": project.id, "cost": format_number(project.cost), **project.extra}
        writer.writerow([values[column] for column in election.project_columns])
    writer.writerow(["VOTES"])
    writer.writerow(election.vote_columns)
    for vote in election.votes:
        values = {"voter_id": vote.voter_id, "vote": ",".join(vote.projects), **vote.extra}
        if vote.points is not None:
            values["points"] = ",".join(format_number(p) for p in vote.points)
        writer.writerow([values[column] for column in election.vote_columns])
    return out.getvalue()


def dump(election: Election, path: str | Path) -> None:
    """Write an Election to a `.pb` file."""
    Path(path).write_text(dumps(election), encoding="utf-8")


def sha256_bytes(data: bytes) -> str:
    """Hex SHA-256 of some bytes (e.g. a published `.pb` file)."""
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: str | Path) -> str:
    """Hex SHA-256 of a file's bytes, as printed next to a published ballot file."""
    return sha256_bytes(Path(path).read_bytes())


def sha256_election(election: Election) -> str:
    """Hex SHA-256 of the canonical `.pb` text of an Election (independent of the source file)."""
    return sha256_bytes(dumps(election).encode("utf-8"))
