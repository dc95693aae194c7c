"""The MaxCompute (ODPS) SQL dialect for sqlglot, and the statement parser the engine uses.

``MaxCompute`` extends sqlglot's Hive dialect with what ODPS scripts contain and Hive lacks:

* typed literals ``1Y 1S 100L 3.5BD 3.14F 3.14D`` parse into *strict* casts (Hive makes them
  TRY_CAST) and ``DATETIME '...'`` / ``DATE '...'`` / ``TIMESTAMP '...'`` into casts;
* the ``LIFECYCLE n`` table property (CREATE, CTAS before ``AS``, ``LIKE ... LIFECYCLE n``,
  ``ALTER TABLE t SET LIFECYCLE n``);
* ``ALTER TABLE t ADD [IF NOT EXISTS] PARTITION (..) PARTITION (..)`` (one ``exp.AddPartition``
  action per partition, each holding an ``exp.Partition``);
* ``SHOW TABLES [IN p] [LIKE '..']``, ``SHOW PARTITIONS t [PARTITION (..)]`` (``ShowPartitions``),
  ``SHOW CREATE TABLE t``;
* ``SET key=value`` keeps the raw key and value text (values such as ``Asia/Shanghai`` are not
  expressions);
* ODPS functions whose meaning differs from Hive's (DATEADD, DATEDIFF, TO_CHAR, SPLIT_PART, ...)
  stay ``exp.Anonymous`` calls named as written, so that ``engine.sql.functions.to_duckdb`` decides
  their meaning (translated or refused), never sqlglot's Hive mapping.
"""

from __future__ import annotations

import difflib
import re
from typing import Any, ClassVar

from sqlglot import exp, parser
from sqlglot.dialects.hive import Hive
from sqlglot.errors import ParseError, TokenError
from sqlglot.generators.hive import HiveGenerator
from sqlglot.parsers.hive import HiveParser
from sqlglot.tokenizer_core import Token, TokenType

from engine.errors import SqlError, UnsupportedSqlError

__all__ = [
    "ODPS_OWNED_FUNCTIONS",
    "LifecycleProperty",
    "MaxCompute",
    "ShowPartitions",
    "parse_statement",
    "parse_statements",
]

# Function names whose ODPS meaning is handled by name in engine.sql.functions: the parser keeps
# them as exp.Anonymous instead of using sqlglot's (Hive) mapping, which changes their meaning.
ODPS_OWNED_FUNCTIONS: frozenset[str] = frozenset(
    {
        "ADD_MONTHS",
        "ARG_MAX",
        "ARG_MIN",
        "ARRAY_CONTAINS",
        "COLLECT_LIST",
        "COLLECT_SET",
        "CONCAT_WS",
        "COUNT_IF",
        "CURRENT_TIMESTAMP",
        "DATEADD",
        "DATEDIFF",
        "DATEPART",
        "DATETRUNC",
        "DATE_ADD",
        "DATE_FORMAT",
        "DATE_SUB",
        "DAY",
        "DAYOFMONTH",
        "DAYOFWEEK",
        "DAYOFYEAR",
        "DECODE",
        "FROM_UNIXTIME",
        "GETDATE",
        "GET_JSON_OBJECT",
        "GREATEST",
        "HOUR",
        "INSTR",
        "ISDATE",
        "KEYVALUE",
        "LASTDAY",
        "LAST_DAY",
        "LEAST",
        "LENGTHB",
        "LOCATE",
        "LOG",
        "MAP",
        "MAX_BY",
        "MINUTE",
        "MIN_BY",
        "MONTH",
        "MONTHS_BETWEEN",
        "NOW",
        "PERCENTILE",
        "QUARTER",
        "REGEXP_COUNT",
        "REGEXP_EXTRACT",
        "REGEXP_INSTR",
        "REGEXP_REPLACE",
        "REGEXP_SUBSTR",
        "SECOND",
        "SHA",
        "SHA1",
        "SHA2",
        "SIZE",
        "SPLIT",
        "SPLIT_PART",
        "STDDEV",
        "STRUCT",
        "SUBSTRING_INDEX",
        "TOLOWER",
        "TOUPPER",
        "TO_CHAR",
        "TO_DATE",
        "TO_MILLIS",
        "TRANS_ARRAY",
        "TRUNC",
        "UNIX_TIMESTAMP",
        "VARIANCE",
        "WEEKDAY",
        "WEEKOFYEAR",
        "WM_CONCAT",
        "YEAR",
    }
)

_NUMERIC_SUFFIXES = frozenset({"L", "S", "Y", "D", "F", "BD"})


class LifecycleProperty(exp.Property):
    """``LIFECYCLE n`` (days). ``this`` is the numeric literal."""

    arg_types: ClassVar[dict[str, bool]] = {"this": True}


class ShowPartitions(exp.Expression):
    """``SHOW PARTITIONS t [PARTITION (spec)]``: ``this`` is the table, ``partition`` the spec."""

    arg_types: ClassVar[dict[str, bool]] = {"this": True, "partition": False}


def _parse_lifecycle(self: MaxComputeParser) -> LifecycleProperty:
    self._match(TokenType.EQ)
    number = self._parse_number()
    if number is None:
        self.raise_error("Expected a number of days after LIFECYCLE")
    return self.expression(LifecycleProperty(this=number))


# -- syntax errors in plain words -----------------------------------------------------------------
# sqlglot's messages name its own classes and print raw tokens ("Expected table name but got
# <Token token_type: TokenType.SENTINEL, ...>", "Required keyword: 'this' missing for <class
# '...Where'>"). MaxComputeParser.raise_error rewrites them from the parser's position: what was
# expected, after which word, and what came instead.

_END = "the end of the statement"

# words a statement starts with (suggested for an unknown first word)
_STATEMENT_WORDS = ("SELECT", "INSERT", "CREATE", "DROP", "ALTER", "WITH", "UPDATE", "DELETE",
                    "MERGE", "SET", "SHOW", "DESC", "DESCRIBE", "TRUNCATE", "FROM", "VALUES")  # fmt: skip
# words of a clause (suggested for a misspelt word the parser took for an alias)
_CLAUSE_WORDS = ("FROM", "WHERE", "GROUP", "ORDER", "HAVING", "LIMIT", "JOIN", "LEFT", "RIGHT",
                 "INNER", "OUTER", "FULL", "CROSS", "UNION", "SELECT", "DISTINCT", "PARTITION",
                 "TABLE", "INTO", "OVERWRITE", "VALUES", "BETWEEN", "LIKE", "CASE", "WHEN", "THEN",
                 "ELSE", "END", "LATERAL", "WINDOW", "DISTRIBUTE", "SORT", "CLUSTER")  # fmt: skip
# top-level trees a statement may parse into when it does not start with a statement keyword
# (SELECT ..., WITH ..., (SELECT ...), FROM t INSERT ..., VALUES ...)
_EXPRESSION_STATEMENTS: tuple[type[exp.Expr], ...] = (
    exp.Query, exp.DML, exp.Values, exp.MultitableInserts, exp.Block, exp.WhileBlock,
)  # fmt: skip

# sqlglot class -> what it lacks when its required part is missing
_NEEDS: dict[str, str] = {
    "Where": "a condition", "Having": "a condition", "Qualify": "a condition",
    "Order": "the columns to sort by", "Group": "the columns to group by",
    "Cluster": "the columns", "Distribute": "the columns", "Sort": "the columns",
    "Limit": "a number", "Offset": "a number", "Fetch": "a number",
    "Union": "a query", "Intersect": "a query", "Except": "a query",
    "Lateral": "a table function", "Join": "a table", "Window": "a window specification",
}  # fmt: skip
_REQUIRED = re.compile(r"^Required keyword: '(\w+)' missing for <class '[\w.]*?(\w+)'>")
_NAME_GOT = re.compile(r"^Expected (table|database) name but got ")
_TOKEN_REPR = re.compile(
    r"<Token token_type: TokenType\.(\w+), text: (.*?), line: \d+, col: \d+.*?>"
)
_CLASS_REPR = re.compile(r"<class '[\w.]*?(\w+)'>")


def _is_word(token: Token) -> bool:
    return token.text.replace(" ", "").replace("_", "").isalpha()


def _shown(token: Token | None) -> str:
    """A token as a message names it: keywords bare (FROM), the rest quoted ('t', ')')."""
    if not token:  # None or sqlglot's SENTINEL: past the last token
        return _END
    kind = token.token_type
    if kind == TokenType.STRING:
        return f"the string '{token.text}'"
    if kind == TokenType.IDENTIFIER:
        return f"`{token.text}`"
    if kind not in (TokenType.VAR, TokenType.NUMBER) and _is_word(token):
        return token.text.upper()
    return f"'{token.text}'"


def _suggest(token: Token | None, words: tuple[str, ...], which: str = "") -> str:
    """`` (did you mean FROM?)`` for a plain word close to one of ``words``."""
    if not token or token.token_type != TokenType.VAR:
        return ""
    close = difflib.get_close_matches(token.text.upper(), words, n=1, cutoff=0.7)
    if not close or close[0] == token.text.upper():
        return ""
    return f" ({which + ': ' if which else ''}did you mean {close[0]}?)"


def plain_reason(message: str, curr: Token | None, prev: Token | None) -> str:
    """sqlglot's parse error ``message`` in plain words: ``curr`` is the token the parser stands
    on (None or the SENTINEL at the end of the statement), ``prev`` the one before it."""
    got, after = _shown(curr), _shown(prev)
    m = _NAME_GOT.match(message)
    if m:
        return f"expected a {m.group(1)} name after {after}, got {got}"
    m = _REQUIRED.match(message)
    if m:
        cls = m.group(2)
        if cls == "Between":
            return (
                f"expected AND and an upper bound after {after} (BETWEEN low AND high), got {got}"
            )
        need = _NEEDS.get(cls, "an expression")
        return f"expected {need} after {after}, got {got}"
    if message.startswith("Invalid expression / Unexpected token"):
        return f"unexpected {got} after {after}" + _suggest(prev, _CLAUSE_WORDS, after)
    m = re.match(r"^Expect(?:ed|ing) (\S+)$", message)
    if m:  # "Expecting )", "Expecting (", "Expected ]"
        what = m.group(1)
        return f"expected {what if what.isalpha() else repr(what)} after {after}, got {got}"
    if re.match(r"^Expected .+ after \w+$", message):  # "Expected END after CASE"
        return f"{message[0].lower()}{message[1:]}, got {got}"
    return _sanitized(message)


def _sanitized(message: str) -> str:
    """A message with no raw tokens or class names, starting in lower case."""
    text = _TOKEN_REPR.sub(
        lambda t: _END if t.group(1) == "SENTINEL" else f"'{t.group(2)}'", message
    )
    text = _CLASS_REPR.sub(lambda c: c.group(1).upper(), text).rstrip(".")
    return text[:1].lower() + text[1:] if text[:2] != text[:2].upper() else text


class MaxComputeParser(HiveParser):
    """Hive's parser plus the ODPS statements and literals described in the module docstring."""

    # CAST(x AS t) stays a CAST (Hive turns it into TRY_CAST); see engine.sql.functions for the
    # semantics chosen for failed conversions.
    STRICT_CAST = True

    FUNCTIONS: ClassVar[dict[str, Any]] = {
        k: v for k, v in HiveParser.FUNCTIONS.items() if k not in ODPS_OWNED_FUNCTIONS
    }

    FUNCTION_PARSERS: ClassVar[dict[str, Any]] = {
        k: v for k, v in HiveParser.FUNCTION_PARSERS.items() if k not in ODPS_OWNED_FUNCTIONS
    }

    PROPERTY_PARSERS: ClassVar[dict[str, Any]] = {
        **HiveParser.PROPERTY_PARSERS,
        "LIFECYCLE": _parse_lifecycle,
    }

    ALTER_PARSERS: ClassVar[dict[str, Any]] = {
        **HiveParser.ALTER_PARSERS,
        "ADD": lambda self: self._parse_odps_alter_add(),
        "SET": lambda self: self._parse_odps_alter_set(),
    }

    STATEMENT_PARSERS: ClassVar[dict[TokenType, Any]] = {
        **HiveParser.STATEMENT_PARSERS,
        TokenType.SHOW: lambda self: self._parse_odps_show(),
        TokenType.SET: lambda self: self._parse_odps_set(),
    }

    def raise_error(self, message: str, token: Token | None = None) -> None:
        """sqlglot's error, reworded (see :func:`plain_reason`); the position is unchanged."""
        if token is None:
            super().raise_error(plain_reason(message, self._curr, self._prev))
        else:
            super().raise_error(plain_reason(message, self._curr, self._prev), token)

    def parse(self, raw_tokens: list[Token], sql: str) -> list[exp.Expr | None]:
        return self._parse(parse_method=_script_statement, raw_tokens=raw_tokens, sql=sql)

    def _parse_script_statement(self) -> exp.Expr | None:
        """One statement of a script. A statement that does not start with a statement keyword
        must be a query or DML (``SELECT``, ``WITH``, ``(``, ``FROM t INSERT``, ``VALUES``):
        sqlglot would read ``SELEC * FRM foo`` as the expression ``SELEC * FRM AS foo``."""
        start = self._curr
        tree = self._parse_statement()
        if (
            start
            and tree is not None
            and start.token_type not in self.STATEMENT_PARSERS
            and start.token_type not in self.dialect.tokenizer_class.COMMANDS
            and not isinstance(tree, _EXPRESSION_STATEMENTS)
        ):
            if start.token_type == TokenType.IDENTIFIER:
                self.raise_error(f"unknown statement `{start.text}`", start)
            elif start.token_type not in (TokenType.STRING, TokenType.NUMBER) and _is_word(start):
                self.raise_error(
                    f"unknown statement '{start.text}'{_suggest(start, _STATEMENT_WORDS)}", start
                )
            else:
                self.raise_error(f"a statement cannot start with {_shown(start)}", start)
        return tree

    def build_cast(self, strict: bool, **kwargs: Any) -> exp.Expr:
        # Typed numeric literals (1Y, 100L, 3.5BD, ...) are values, not conversions: a strict cast.
        if self._prev is not None and self._prev.text.upper() in _NUMERIC_SUFFIXES:
            strict = True
        return super().build_cast(strict, **kwargs)

    def _parse_odps_alter_add(self) -> list[exp.Expr] | exp.Expr | None:
        index = self._index
        exists = self._parse_exists(not_=True)
        if self._match_texts(("PARTITION",), advance=False) and self._match_pair(
            TokenType.PARTITION, TokenType.L_PAREN, advance=False
        ):
            actions: list[exp.Expr] = []
            while True:
                partition = self._parse_partition()
                if partition is None:
                    break
                actions.append(self.expression(exp.AddPartition(this=partition, exists=exists)))
                self._match(TokenType.COMMA)
            return actions
        self._retreat(index)
        result: list[exp.Expr] = self._parse_alter_table_add()
        return result

    def _parse_odps_alter_set(self) -> exp.Expr | None:
        if self._match_text_seq("LIFECYCLE"):
            prop = _parse_lifecycle(self)
            return self.expression(exp.AlterSet(expressions=[exp.Properties(expressions=[prop])]))
        result: exp.Expr | None = self._parse_alter_table_set()
        return result

    def _parse_odps_show(self) -> exp.Expr:
        start = self._prev
        if self._match_text_seq("TABLES"):
            db = None
            if self._match_texts(("IN", "FROM")):
                db = self._parse_table_parts()
            like = self._parse_string() if self._match(TokenType.LIKE) else None
            return self.expression(exp.Show(this="TABLES", db=db, like=like))
        if self._match_text_seq("PARTITIONS"):
            table = self._parse_table_parts()
            partition = self._parse_partition()
            return self.expression(ShowPartitions(this=table, partition=partition))
        if self._match_text_seq("CREATE", "TABLE"):
            return self.expression(exp.Show(this="CREATE TABLE", target=self._parse_table_parts()))
        command: exp.Expr = self._parse_as_command(start)
        return command

    def _parse_odps_set(self) -> exp.Expr:
        """``SET key = value`` with the raw text of both sides (``SET`` alone stays a Command)."""
        start = self._prev
        tokens: list[Any] = []
        while self._curr and self._curr.token_type != TokenType.SEMICOLON:
            tokens.append(self._curr)
            self._advance()
        text = self.sql[tokens[0].start : tokens[-1].end + 1] if tokens else ""
        key, eq, value = text.partition("=")
        if not eq or not key.strip():
            self._retreat(self._tokens.index(start) + 1)
            command: exp.Expr = self._parse_as_command(start)
            return command
        item = exp.SetItem(
            this=exp.EQ(this=exp.var(key.strip()), expression=exp.Literal.string(value.strip()))
        )
        return self.expression(exp.Set(expressions=[item]))


def _script_statement(self: parser.Parser) -> exp.Expr | None:
    assert isinstance(self, MaxComputeParser)
    return self._parse_script_statement()


def _lifecycle_sql(self: HiveGenerator, expression: LifecycleProperty) -> str:
    return f"LIFECYCLE {self.sql(expression, 'this')}"


def _show_partitions_sql(self: HiveGenerator, expression: ShowPartitions) -> str:
    partition = self.sql(expression, "partition")
    return f"SHOW PARTITIONS {self.sql(expression, 'this')}{' ' + partition if partition else ''}"


def _show_sql(self: HiveGenerator, expression: exp.Show) -> str:
    parts = [f"SHOW {expression.name}"]
    for key, prefix in (("target", ""), ("db", "IN "), ("like", "LIKE ")):
        value = self.sql(expression, key)
        if value:
            parts.append(f"{prefix}{value}")
    return " ".join(parts)


class MaxComputeGenerator(HiveGenerator):
    """Renders the trees back as MaxCompute SQL (used for messages, lineage and round trips)."""

    TRANSFORMS: ClassVar[dict[type[exp.Expr], Any]] = {
        **HiveGenerator.TRANSFORMS,
        LifecycleProperty: _lifecycle_sql,
        ShowPartitions: _show_partitions_sql,
        exp.Show: _show_sql,
    }

    PROPERTIES_LOCATION: ClassVar[dict[type[exp.Expression], Any]] = {
        **HiveGenerator.PROPERTIES_LOCATION,
        LifecycleProperty: exp.Properties.Location.POST_SCHEMA,
    }


class MaxComputeTokenizer(Hive.Tokenizer):
    # SHOW is parsed into a tree (SHOW TABLES / PARTITIONS / CREATE TABLE), not a raw command.
    COMMANDS: ClassVar[set[TokenType]] = Hive.Tokenizer.COMMANDS - {TokenType.SHOW}


class MaxCompute(Hive):
    """sqlglot dialect for MaxCompute SQL (``read=MaxCompute`` or ``read="maxcompute"``)."""

    Tokenizer = MaxComputeTokenizer
    Parser = MaxComputeParser
    Generator = MaxComputeGenerator


_DIALECT = MaxCompute()


def _error_position(error: ParseError) -> tuple[int | None, str]:
    """The line of the first error and its reason (already in plain words: the parser's
    raise_error rewrote it; the rewording here catches what bypassed it)."""
    details = error.errors[0] if error.errors else {}
    line = details.get("line")
    reason = str(details.get("description") or error).splitlines()[0]
    if "<Token " in reason or "<class " in reason:
        reason = _sanitized(reason)
    return (line if isinstance(line, int) else None), reason


def parse_statements(sql: str) -> list[exp.Expr]:
    """Parse a script of ``;``-separated MaxCompute statements into sqlglot trees.

    Raises ``SqlError`` (with the 1-based line of the problem within ``sql``) on syntax errors and
    ``UnsupportedSqlError`` for statements that would only parse as an opaque ``exp.Command``.
    """
    try:
        trees = _DIALECT.parse(sql)
    except ParseError as error:
        line, reason = _error_position(error)
        raise SqlError(f"syntax error: {reason}", line=line) from None
    except TokenError as error:
        text = str(error).replace("Error tokenizing", "cannot read the text at")
        raise SqlError(f"syntax error: {text}") from None
    result: list[exp.Expr] = []
    for tree in trees:
        if tree is None:
            continue
        if isinstance(tree, exp.Command):
            text = tree.sql(dialect=MaxCompute)
            raise UnsupportedSqlError(
                f"statement not supported by the local engine: {text[:80]}",
                hint="only the MaxCompute statements maxworks understands can run locally",
            )
        result.append(tree)
    return result


def parse_statement(sql: str) -> exp.Expr:
    """Parse exactly one MaxCompute statement (a trailing ``;`` is allowed)."""
    trees = parse_statements(sql)
    if len(trees) != 1:
        raise SqlError(f"expected one statement, found {len(trees)}")
    return trees[0]


# sqlglot's parser module is imported for its side effect of registering the base parser types.
_ = parser
