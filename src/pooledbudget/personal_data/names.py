"""People's names: a title before a word, a given name beside a surname or a capitalised word.

The word lists (`given_names.txt`, `surnames.txt`) are small and common-case: they catch the
names clerks actually type, in any case, without flagging organisations ("Phoenix Futures",
"Change Grow Live"): a run of capitalised words holding an organisation word is not a person.
"""

from __future__ import annotations

import re
from importlib.resources import files


def _words(name: str) -> frozenset[str]:
    text = files(__package__).joinpath(name).read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines()
                     if line.strip() and not line.startswith("#"))


def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


GIVEN = _words("given_names.txt")
SURNAMES = _words("surnames.txt")
# Titles that are not also everyday words: any word after them (but a stop word) is a name.
SHORT_TITLES = frozenset({"mr", "mrs", "ms", "mx", "dr", "prof", "revd"})
# Titles that are also words ("did not miss", "master data"): a capitalised word or a known
# name must follow.
WORD_TITLES = frozenset({"miss", "master", "sir", "dame", "lady", "lord", "rev", "professor"})
STOP_WORDS = _word_set("""
a an and are as at be by each for from had has have he her his in is it its not no of on or our
per she so the their them they this to was we were who will with week weeks month months day days
year years review plan data class payment payments appointment appointments deadline funding
placement placements out any all one two three first second
""")
ORGANISATION_WORDS = _word_set("""
house trust centre center services service ltd limited cic plc llp foundation project projects
partnership council hospital hospitals clinic group association society charity care homes home
lodge court futures team unit hub network college school academy church fund board nhs recovery
housing support health community communities foundation institute agency alliance university
street road lane avenue close drive way hall hospice practice surgery pharmacy
""")
NAMED = re.compile(r"\b(?:named|called|name is|known as)\s+([A-Za-z][a-z'’-]+)", re.IGNORECASE)
_WORD = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)?")
_TITLE_GAP = re.compile(r"\.?\s+")
_NAME_GAP = re.compile(r"\s+|\s*[-._/]\s*")
_SURNAME_FIRST_GAP = re.compile(r",\s*")


def _capitalised(word: str) -> bool:
    return word[:1].isupper()


def _organisation(words: list[re.Match[str]], start: int) -> bool:
    """Whether the run of capitalised words from `start` (the next four) names an organisation."""
    for match in words[start:start + 4]:
        if not _capitalised(match[0]):
            return False
        if match[0].lower() in ORGANISATION_WORDS:
            return True
    return False


def has_name(text: str) -> bool:
    """A person's name in free text: `Mrs Jones`, `dr. patel`, `Jane Smith`, `JANE BLOGGS`,
    `jane smith`, `Smith, Jane`, `a mother named Sarah`."""
    for match in NAMED.finditer(text):
        word = match[1]
        if (_capitalised(word) or word.lower() in GIVEN) and word.lower() not in STOP_WORDS:
            return True
    words = list(_WORD.finditer(text))
    for i in range(len(words) - 1):
        a, b = words[i], words[i + 1]
        first, second = a[0].lower(), b[0].lower()
        gap = text[a.end():b.start()]
        if second in STOP_WORDS or len(second) < 2:
            continue
        if _TITLE_GAP.fullmatch(gap):
            if first in SHORT_TITLES:
                return True
            if first in WORD_TITLES and _capitalised(a[0]) and (
                    _capitalised(b[0]) or second in SURNAMES or second in GIVEN) \
                    and not _organisation(words, i + 1):
                return True
            if first in WORD_TITLES and (second in SURNAMES or second in GIVEN):
                return True
        if first in GIVEN and _NAME_GAP.fullmatch(gap) and not _organisation(words, i):
            if second in SURNAMES:
                return True
            if _capitalised(a[0]) and _capitalised(b[0]) and second not in ORGANISATION_WORDS:
                return True
        if first in SURNAMES and second in GIVEN and _SURNAME_FIRST_GAP.fullmatch(gap) \
                and _capitalised(a[0]) == _capitalised(b[0]):
            return True
    return False


def identifier_has_name(value: str) -> bool:
    """A given name beside a surname, in either order, among an identifier's parts
    (`SMITH-JANE-19880403`, `jane.smith-1988-04-03`)."""
    parts = [p.lower() for p in re.split(r"[^A-Za-z]+", value) if p]
    return any((a in GIVEN and b in SURNAMES) or (a in SURNAMES and b in GIVEN)
               for a, b in zip(parts, parts[1:], strict=False))
