"""The demo's source data: users, raw access logs, orders and an item catalogue.

Everything is generated inside the warehouse by ODPS SQL run through maxworks itself (one
``INSERT OVERWRITE ... SELECT`` per table and business date over ``LATERAL VIEW POSEXPLODE``),
so a day of 20,000 log lines takes a fraction of a second. "Random" values are arithmetic
hashes of the row key and a per-column salt: the data is a pure function of the seed, the dates
and the scale.

The tables play the ODS layer: what Data Integration would land from the shop's databases and
web servers. Each day's export also writes a ``landing/<source>/<bizdate>/_SUCCESS`` marker
holding its row count, which the pipeline's check nodes wait for.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from engine.api import Api
from engine.errors import MaxworksError

# -- sizes (at scale 1.0) ---------------------------------------------------------------------------
USERS = 20_000  # registered users on the last source day; 24 more register every day
LOG_LINES = 20_000  # raw access-log lines per business date
ORDERS = 3_000  # orders per business date
ITEMS = 600  # items in the catalogue (not scaled)
REGISTRATION_SECONDS = 3_600  # one registration an hour
LOG_SEP = "##@@"
DIRTY_ORDER = 777  # the order whose amount the POS client exports as "1,299.00" on the bad day
DIRTY_AMOUNT = "1,299.00"
MAX_SEED = 100_000  # keeps every row key within BIGINT

_P1, _P2, _P3 = 2147483647, 2147483629, 2147483587  # primes below 2^31


@dataclass(frozen=True)
class Sizes:
    users: int
    log_lines: int
    orders: int

    @classmethod
    def at(cls, scale: float) -> Sizes:
        if scale <= 0:
            raise MaxworksError(f"scale must be positive, not {scale}")
        return cls(
            users=max(200, round(USERS * scale)),
            log_lines=max(200, round(LOG_LINES * scale)),
            orders=max(200, round(ORDERS * scale)),
        )


# -- SQL building blocks --------------------------------------------------------------------------------
def rnd(salt: int, key: str = "k") -> str:
    """A hash of ``key`` (a BIGINT expression) and ``salt`` in [0, 2147483587): two independent
    multiplicative hashes multiplied together, which breaks the lattice a single one leaves."""
    a = f"((({key}) % {_P1}) * 2654435761 + {salt * 97 + 13}) % {_P1}"
    b = f"((({key}) % {_P2}) * 40503 + {salt * 7919 + 101}) % {_P2}"
    return f"((({a}) * ({b})) % {_P3})"


def unit(column: str) -> str:
    """A hash column as a DOUBLE in [0, 1)."""
    return f"(({column} % 1000003) / 1000003.0)"


def choice(items: Sequence[tuple[str, int]], column: str) -> str:
    """A weighted pick: a CASE over the cumulative weights of the items, indexed by a hash."""
    total = sum(weight for _, weight in items)
    x = f"({column} % {total})"
    arms: list[str] = []
    upto = 0
    for text, weight in items[:-1]:
        if "'" in text:
            raise ValueError(f"choice item {text!r} may not contain a quote")
        upto += weight
        arms.append(f"WHEN {x} < {upto} THEN '{text}'")
    return f"CASE {' '.join(arms)} ELSE '{items[-1][0]}' END"


def _rows(n: int) -> str:
    """A row source of ``pos`` 0..n-1 (MaxCompute has no range(): explode a repeated string)."""
    return (
        f"(SELECT 1 AS one) seed_row LATERAL VIEW POSEXPLODE(SPLIT(REPEAT('x,', {n}), ',')) "
        "gen AS pos, unused"
    )


def _hashes(n: int, key: str, count: int, stream: int) -> str:
    """``SELECT pos, k, r0..r{count-1} FROM <n rows>``: the key and its hash columns."""
    cols = ", ".join(f"{rnd(stream * 100 + i)} AS r{i}" for i in range(count))
    return f"SELECT pos, k, {cols} FROM (SELECT pos, {key} AS k FROM {_rows(n)}) keyed"


# -- reference lists ------------------------------------------------------------------------------------
CITIES = [
    ("Shanghai/Shanghai", 14), ("Beijing/Beijing", 13), ("Shenzhen/Guangdong", 11),
    ("Hangzhou/Zhejiang", 10), ("Guangzhou/Guangdong", 9), ("Chengdu/Sichuan", 8),
    ("Wuhan/Hubei", 6), ("Nanjing/Jiangsu", 6), ("Suzhou/Jiangsu", 5), ("Chongqing/Chongqing", 5),
    ("Tianjin/Tianjin", 4), ("Changsha/Hunan", 4), ("Xian/Shaanxi", 4), ("Zhengzhou/Henan", 3),
    ("Qingdao/Shandong", 3), ("Ningbo/Zhejiang", 3), ("Hefei/Anhui", 2), ("Kunming/Yunnan", 2),
]  # fmt: skip
ADJECTIVES = ["sunny", "lazy", "brave", "quiet", "happy", "little", "blue", "lucky", "silver", "wild", "sleepy", "jade"]  # fmt: skip
NOUNS = ["panda", "cat", "tiger", "fox", "river", "cloud", "bamboo", "dragon", "peach", "star", "noodle", "koi"]  # fmt: skip
CHANNELS = [("wechat_mini", 25), ("app_store", 20), ("web", 18), ("huawei_store", 15), ("xiaomi_store", 12), ("douyin_ad", 10)]  # fmt: skip
VIP = [("0", 55), ("1", 20), ("2", 12), ("3", 8), ("4", 4), ("5", 1)]
GENDERS = [("M", 48), ("F", 49), ("unknown", 3)]

# category/brand/product/base price
CATALOGUE = [
    ("phones/Xiaomi/Redmi Note/1299", 5), ("phones/Huawei/nova/2499", 4), ("phones/Apple/iPhone/5999", 4),
    ("phones/OPPO/Reno/2299", 3), ("phones/vivo/S series/2199", 3),
    ("laptops/Lenovo/ThinkBook/4999", 3), ("laptops/Huawei/MateBook/5499", 2), ("laptops/Apple/MacBook Air/7999", 2),
    ("audio/Anker/Soundcore earbuds/299", 4), ("audio/Xiaomi/Buds/199", 4), ("audio/Sony/WH headphones/1999", 2),
    ("home/Midea/rice cooker/399", 4), ("home/Haier/air purifier/1299", 3), ("home/Xiaomi/robot vacuum/1799", 3),
    ("home/Supor/thermos/129", 4),
    ("beauty/LOreal/serum/259", 4), ("beauty/Shiseido/sunscreen/189", 4), ("beauty/Perfect Diary/lipstick/89", 4),
    ("snacks/Three Squirrels/mixed nuts/69", 6), ("snacks/Bestore/beef jerky/49", 5), ("snacks/Yili/milk 24-pack/79", 5),
    ("books/CITIC Press/business book/59", 3), ("books/PLPH/novel/45", 3),
    ("sports/Li-Ning/running shoes/499", 4), ("sports/Anta/basketball shoes/599", 3),
    ("sports/Decathlon/yoga mat/99", 3), ("sports/Nike/hoodie/399", 3),
    ("apparel/Uniqlo/T-shirt/79", 5), ("apparel/Bosideng/down jacket/999", 3),
]  # fmt: skip
KEYWORDS = [
    ("iphone", 6), ("earbuds", 6), ("running shoes", 5), ("rice cooker", 3), ("sunscreen", 5),
    ("mixed nuts", 4), ("laptop", 4), ("down jacket", 3), ("yoga mat", 3), ("robot vacuum", 3),
    ("lipstick", 4), ("novel", 2), ("phone case", 4), ("milk", 3),
]  # fmt: skip
IP_PREFIXES = [("36", 3), ("112", 3), ("117", 3), ("183", 3), ("223", 2), ("60", 2), ("101", 2), ("124", 2), ("10", 1)]  # fmt: skip
AGENTS = [
    ("ShopApp/5.2.0 (iPhone; iOS 17.3; Scale/3.00)", 14),
    ("ShopApp/5.1.3 (iPhone; iOS 16.7; Scale/3.00)", 5),
    ("ShopApp/5.2.0 (Linux; Android 14; ALN-AL00)", 10),
    ("ShopApp/5.1.3 (Linux; Android 13; 2201123C)", 9),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI Language/zh_CN", 14),
    ("Mozilla/5.0 (Linux; Android 13; V2196A) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/116.0.0.0 Mobile Safari/537.36 MicroMessenger/8.0.45.2521(0x28002D3D) NetType/5G Language/zh_CN", 8),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3 Mobile/15E148 Safari/604.1", 9),
    ("Mozilla/5.0 (Linux; Android 13; SM-S9180) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0.0.0 Mobile Safari/537.36", 7),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36", 14),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3 Safari/605.1.15", 6),
]  # fmt: skip
BOTS = [
    ("Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)", 3),
    ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", 1),
    ("Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", 1),
]  # fmt: skip
PAGES = [("home", 14), ("search", 14), ("item", 40), ("cart", 10), ("order", 6), ("pay", 4), ("profile", 6), ("recommend", 6)]  # fmt: skip
REFERERS = [
    ("-", 30), ("https://shop.example.com/", 30), ("https://www.baidu.com/s?wd=KW", 15),
    ("https://shop.example.com/search?q=KW", 10), ("https://www.google.com/", 5),
    ("https://m.weibo.cn/", 5), ("https://www.douyin.com/", 5),
]  # fmt: skip
STATUSES = [("200", 90), ("304", 5), ("404", 3), ("302", 1), ("500", 1)]
NETS = [("wifi", 60), ("4g", 25), ("5g", 15)]
# hours of the day, weighted: quiet nights, a lunch peak and an evening peak
HOURS = [(str(h), w) for h, w in enumerate([2, 1, 1, 1, 1, 1, 2, 4, 6, 8, 10, 11, 12, 10, 9, 9, 9, 9, 10, 12, 14, 15, 12, 6])]  # fmt: skip
ORDER_STATUS = [("paid", 80), ("created", 8), ("cancelled", 7), ("refunded", 5)]
PAY_CHANNELS = [("alipay", 55), ("wechat_pay", 35), ("unionpay", 10)]
PLATFORMS = [("app", 55), ("mini_program", 25), ("web", 20)]
COUPONS = [("0", 70), ("5", 12), ("10", 10), ("20", 6), ("50", 2)]
LINES = [("1", 60), ("2", 30), ("3", 10)]
QUANTITIES = [("1", 80), ("2", 15), ("3", 5)]


# -- DDL ------------------------------------------------------------------------------------------------
ODS_DDL = """\
CREATE TABLE IF NOT EXISTS ods_user_info_d (
    user_id          BIGINT   COMMENT 'user id',
    nick             STRING   COMMENT 'nickname',
    gender           STRING   COMMENT 'M, F or unknown',
    birth_year       BIGINT   COMMENT 'year of birth',
    city             STRING   COMMENT 'city of the shipping address',
    province         STRING   COMMENT 'province of the shipping address',
    register_time    DATETIME COMMENT 'registration time',
    register_channel STRING   COMMENT 'where the user signed up',
    vip_level        BIGINT   COMMENT 'membership level 0-5'
) COMMENT 'users: a full snapshot of the user database each day (Data Integration)'
PARTITIONED BY (dt STRING) LIFECYCLE 30;

CREATE TABLE IF NOT EXISTS ods_raw_log_d (
    col STRING COMMENT 'one access-log line: ip, user id, time, request, status, bytes, referer, user agent, JSON payload, separated by ##@@'
) COMMENT 'raw web and app access logs, as shipped by the log collector'
PARTITIONED BY (dt STRING) LIFECYCLE 30;

CREATE TABLE IF NOT EXISTS ods_trade_order_d (
    order_id    BIGINT   COMMENT 'order id',
    user_id     BIGINT   COMMENT 'buyer',
    order_time  DATETIME COMMENT 'when the order was created',
    pay_time    DATETIME COMMENT 'when it was paid (NULL if unpaid)',
    status      STRING   COMMENT 'created, paid, cancelled, refunded',
    amount      STRING   COMMENT 'amount paid in CNY, as text from the order database',
    pay_channel STRING   COMMENT 'alipay, wechat_pay, unionpay (empty if unpaid)',
    items       STRING   COMMENT 'order lines item_id:quantity, comma-separated',
    ext         STRING   COMMENT 'JSON: platform, coupon, client'
) COMMENT 'orders created on the business date (Data Integration)'
PARTITIONED BY (dt STRING) LIFECYCLE 90;

CREATE TABLE IF NOT EXISTS ods_item_info (
    item_id    BIGINT         COMMENT 'item id',
    item_name  STRING         COMMENT 'item title',
    brand      STRING         COMMENT 'brand',
    category   STRING         COMMENT 'top-level category',
    price      DECIMAL(10,2)  COMMENT 'list price in CNY',
    on_sale    BOOLEAN        COMMENT 'listed in the shop'
) COMMENT 'item catalogue (a dimension maintained by the merchandising team)';
"""

ODS_TABLES = ("ods_user_info_d", "ods_raw_log_d", "ods_trade_order_d", "ods_item_info")


# -- generators -----------------------------------------------------------------------------------------
def items_sql(seed: int) -> str:
    cat = choice(CATALOGUE, "r0")
    return f"""\
INSERT OVERWRITE TABLE ods_item_info
SELECT 1001 + pos AS item_id,
       CONCAT(SPLIT_PART(tpl, '/', 2), ' ', SPLIT_PART(tpl, '/', 3), ' ', SUBSTR('ABCDEFGHJKLMNPRSTVWXYZ', 1 + r1 % 22, 1), CAST(10 + r2 % 90 AS STRING)) AS item_name,
       SPLIT_PART(tpl, '/', 2) AS brand,
       SPLIT_PART(tpl, '/', 1) AS category,
       CAST(ROUND(CAST(SPLIT_PART(tpl, '/', 4) AS BIGINT) * (0.7 + (r3 % 60) / 100.0)) - 0.1 AS DECIMAL(10,2)) AS price,
       r4 % 50 <> 0 AS on_sale
FROM (SELECT pos, {cat} AS tpl, r1, r2, r3, r4 FROM ({_hashes(ITEMS, f"pos + {seed * 1000003}", 5, 1)}) h) t;
"""


def users_sql(seed: int, sizes: Sizes, origin: datetime) -> str:
    """The day's snapshot: every user registered before the end of ``${bizdate}``."""
    nick = (
        f"CONCAT({choice([(a, 1) for a in ADJECTIVES], 'r1')}, '_', "
        f"{choice([(n, 1) for n in NOUNS], 'r2')}, '_', CAST(r3 % 1000 AS STRING))"
    )
    return f"""\
INSERT OVERWRITE TABLE ods_user_info_d PARTITION (dt='${{bizdate}}')
SELECT user_id, nick, gender, birth_year, SPLIT_PART(place, '/', 1), SPLIT_PART(place, '/', 2),
       register_time, register_channel, vip_level
FROM (
    SELECT 10001 + pos AS user_id,
           {nick} AS nick,
           {choice(GENDERS, "r4")} AS gender,
           1965 + r5 % 22 + r6 % 22 AS birth_year,
           {choice(CITIES, "r7")} AS place,
           DATEADD(DATETIME '{origin:%Y-%m-%d %H:%M:%S}', pos * {REGISTRATION_SECONDS} + r8 % {REGISTRATION_SECONDS}, 'ss') AS register_time,
           {choice(CHANNELS, "r9")} AS register_channel,
           CAST({choice(VIP, "r0")} AS BIGINT) AS vip_level
    FROM ({_hashes(sizes.users, f"pos + {seed * 1000003}", 10, 2)}) h
) u
WHERE register_time < DATEADD(TO_DATE('${{bizdate}}', 'yyyymmdd'), 1, 'dd');
"""


def _base(seed: int, day_no: int, stream: int) -> int:
    """The first row key of a (seed, day, table) stream; rows add their position."""
    return ((seed * 100_000 + day_no) * 16 + stream) * 10_000_019


def logs_sql(seed: int, day_no: int, lines: int, users: int) -> str:
    """One day of access-log lines by ``users`` registered users (a few heavy ones), anonymous
    visitors and crawlers. A user keeps an IP and mostly one device."""
    user_pos = f"CAST(FLOOR({users} * {unit('r2')} * {unit('r2')}) AS BIGINT)"
    item = f"1001 + CAST(FLOOR({ITEMS} * {unit('r6')} * {unit('r6')}) AS BIGINT)"
    user_hashes = ", ".join(f"{rnd(300 + i, 'uid')} AS u{c}" for i, c in enumerate("abcde"))
    ip = (
        f"CONCAT({choice(IP_PREFIXES, 'ua')}, '.', CAST(ub % 256 AS STRING), '.', "
        f"CAST(uc % 256 AS STRING), '.', CAST(1 + ud % 254 AS STRING))"
    )
    event = (
        "CASE page WHEN 'search' THEN 'search' WHEN 'cart' THEN 'add_cart' "
        "WHEN 'order' THEN 'submit_order' WHEN 'pay' THEN 'pay_success' WHEN 'recommend' THEN 'expose' "
        "WHEN 'item' THEN IF(r9 % 10 < 3, 'click', 'view') ELSE 'view' END"
    )
    request = (
        "CASE page WHEN 'home' THEN 'GET / HTTP/1.1' "
        "WHEN 'search' THEN CONCAT('GET /search?q=', REPLACE(kw, ' ', '+'), '&page=1 HTTP/1.1') "
        "WHEN 'item' THEN CONCAT('GET /item/', CAST(item_id AS STRING), '?spm=a2.', CAST(r10 % 100 AS STRING), ' HTTP/1.1') "
        "WHEN 'cart' THEN 'POST /cart/add HTTP/1.1' WHEN 'order' THEN 'POST /order/confirm HTTP/1.1' "
        "WHEN 'pay' THEN 'GET /pay/success HTTP/1.1' WHEN 'profile' THEN 'GET /user/profile HTTP/1.1' "
        "ELSE 'GET /api/recommend?slot=home HTTP/2.0' END"
    )
    payload = (
        "CASE WHEN bot THEN '-' "
        "WHEN SUBSTR(agent, 1, 8) = 'ShopApp/' OR INSTR(agent, 'MicroMessenger') > 0 THEN CONCAT("
        '\'{"event":"\', event, \'","page":"\', page, \'"\', '
        "IF(page = 'item', CONCAT(',\"item_id\":', CAST(item_id AS STRING)), ''), "
        "IF(page = 'search', CONCAT(',\"kw\":\"', kw, '\"'), ''), "
        "',\"duration_ms\":', CAST(200 + r11 % 30000 AS STRING), "
        "',\"ab\":\"', IF(user_id % 2 = 0, 'A', 'B'), '\",\"net\":\"', net, '\"}') "
        'ELSE CONCAT(\'{"event":"\', event, \'","page":"\', page, \'"}\') END'
    )
    anonymous = "r0 % 100 < 3 OR r1 % 100 < 8"
    return f"""\
INSERT OVERWRITE TABLE ods_raw_log_d PARTITION (dt='${{bizdate}}')
SELECT CONCAT_WS('{LOG_SEP}', ip, IF(user_id IS NULL, '-', CAST(user_id AS STRING)), log_time, request,
                 status, CAST(IF(status = '304', 0, 300 + r12 % 60000) AS STRING),
                 IF(referer = '-', '-', REPLACE(referer, 'KW', REPLACE(kw, ' ', '+'))), agent, payload)
FROM (
    SELECT x.*, {request} AS request, {payload} AS payload
    FROM (
        SELECT q.*, {ip} AS ip, {event} AS event,
               IF(bot, {choice(BOTS, "r5")},
                  IF(user_id IS NOT NULL AND r3 % 10 < 8, {choice(AGENTS, "ue")}, {choice(AGENTS, "r3")})) AS agent
        FROM (
            SELECT p.*, {user_hashes}
            FROM (
                SELECT pos, r3, r5, r9, r10, r11, r12,
                       r0 % 100 < 3 AS bot,
                       IF({anonymous}, NULL, 10001 + {user_pos}) AS user_id,
                       IF({anonymous}, r13, 10001 + {user_pos}) AS uid,
                       TO_CHAR(DATEADD(TO_DATE('${{bizdate}}', 'yyyymmdd'),
                               CAST({choice(HOURS, "r4")} AS BIGINT) * 3600 + r7 % 3600, 'ss'),
                               'yyyy-mm-dd hh:mi:ss') AS log_time,
                       IF(r0 % 100 < 3, IF(r8 % 2 = 0, 'item', 'home'), {choice(PAGES, "r8")}) AS page,
                       {item} AS item_id,
                       {choice(KEYWORDS, "r10")} AS kw,
                       {choice(STATUSES, "r14")} AS status,
                       {choice(REFERERS, "r15")} AS referer,
                       {choice(NETS, "r16")} AS net
                FROM ({_hashes(lines, f"pos + {_base(seed, day_no, 1)}", 17, 3)}) h
            ) p
        ) q
    ) x
) y;
"""


def orders_sql(seed: int, day_no: int, orders: int, users: int, *, dirty: bool) -> str:
    """One day of orders: 1-3 lines each, priced from the catalogue, ``items`` aggregated in line
    order. With ``dirty``, one amount comes out as "1,299.00" (a new POS client's format)."""
    base = _base(seed, day_no, 2)
    user = f"10001 + CAST(FLOOR({users} * {unit('r1')} * {unit('r1')}) AS BIGINT)"
    amount = (
        "CAST(CAST(GREATEST(SUM(i.price * l.qty) - o.coupon, 0.01) AS DECIMAL(10,2)) AS STRING)"
    )
    if dirty:
        amount = f"IF(o.pos = {min(DIRTY_ORDER, orders - 1)}, '{DIRTY_AMOUNT}', {amount})"
    line_key = f"order_pos * 3 + line_no + {_base(seed, day_no, 3)}"
    return f"""\
INSERT OVERWRITE TABLE ods_trade_order_d PARTITION (dt='${{bizdate}}')
SELECT o.order_id, o.user_id, o.order_time,
       IF(o.status IN ('paid', 'refunded'), DATEADD(o.order_time, 5 + o.r6 % 900, 'ss'), NULL),
       o.status, {amount},
       IF(o.status IN ('paid', 'refunded'), {choice(PAY_CHANNELS, "o.r7")}, ''),
       WM_CONCAT(',', CONCAT(CAST(l.item_id AS STRING), ':', CAST(l.qty AS STRING))) WITHIN GROUP (ORDER BY l.line_no),
       CONCAT('{{"platform":"', o.platform, '","coupon":"', CAST(o.coupon AS STRING), '.00","client":"',
              IF(o.platform = 'app', IF(o.r8 % 3 = 0, 'ShopApp/5.1.3', 'ShopApp/5.2.0'), o.platform), '"}}')
FROM (
    SELECT pos, r6, r7, r8,
           CAST('${{bizdate}}' AS BIGINT) * 100000 + pos + 1 AS order_id,
           {user} AS user_id,
           DATEADD(TO_DATE('${{bizdate}}', 'yyyymmdd'), CAST({choice(HOURS, "r2")} AS BIGINT) * 3600 + r3 % 3600, 'ss') AS order_time,
           {choice(ORDER_STATUS, "r4")} AS status,
           {choice(PLATFORMS, "r5")} AS platform,
           CAST({choice(COUPONS, "r9")} AS BIGINT) AS coupon,
           CAST({choice(LINES, "r0")} AS BIGINT) AS n_lines
    FROM ({_hashes(orders, f"pos + {base}", 10, 4)}) h
) o
JOIN (
    SELECT order_pos, line_no,
           1001 + CAST(FLOOR({ITEMS} * {unit("lr0")} * {unit("lr0")}) AS BIGINT) AS item_id,
           CAST({choice(QUANTITIES, "lr1")} AS BIGINT) AS qty
    FROM (
        SELECT order_pos, line_no, {rnd(501, line_key)} AS lr0, {rnd(502, line_key)} AS lr1
        FROM (SELECT pos AS order_pos, line_no FROM {_rows(orders)}
              LATERAL VIEW POSEXPLODE(SPLIT('x,x,x', ',')) ln AS line_no, unused2) raw_lines
    ) hashed_lines
) l ON l.order_pos = o.pos AND l.line_no < o.n_lines
JOIN ods_item_info i ON i.item_id = l.item_id
GROUP BY o.pos, o.order_id, o.user_id, o.order_time, o.status, o.platform, o.coupon, o.r6, o.r7, o.r8;
"""


# -- loading ----------------------------------------------------------------------------------------------
def _bizdate(day: date) -> str:
    return day.strftime("%Y%m%d")


def day_number(day: date) -> int:
    return (day - date(2000, 1, 1)).days


def users_on(day: date, last_day: date, sizes: Sizes) -> int:
    """How many users have registered by the end of ``day``."""
    per_day = 86_400 // REGISTRATION_SECONDS
    return max(100, sizes.users - per_day * (last_day - day).days)


@dataclass(frozen=True)
class SourceLoad:
    day: date
    users: int
    log_lines: int
    orders: int


class SourceData:
    """Generates and loads the ODS tables of production for a range of business dates."""

    def __init__(self, api: Api, *, seed: int, sizes: Sizes, last_day: date) -> None:
        if not 0 <= seed < MAX_SEED:
            raise MaxworksError(f"the seed must be between 0 and {MAX_SEED - 1}, not {seed}")
        self.api = api
        self.seed = seed
        self.sizes = sizes
        self.last_day = last_day
        self.origin = datetime.combine(
            last_day + timedelta(days=1), datetime.min.time()
        ) - timedelta(seconds=sizes.users * REGISTRATION_SECONDS)

    def _run(self, script: str, day: date | None = None) -> int:
        run = self.api.run_sql(script, env="prod", bizdate=day or self.last_day, limit=10)
        if run.result.error is not None:
            raise MaxworksError(f"generating the demo data failed: {run.result.error}")
        return sum(s.rows_affected or 0 for s in run.result.statements)

    def create_tables(self) -> None:
        self._run(ODS_DDL)
        self._run(items_sql(self.seed))

    def load_day(
        self, day: date, *, log_fraction: float = 1.0, dirty_orders: bool = False
    ) -> SourceLoad:
        """One business date of users, logs and orders (``log_fraction`` < 1: a partial export)."""
        users = users_on(day, self.last_day, self.sizes)
        lines = max(1, round(self.sizes.log_lines * log_fraction))
        n_users = self._run(users_sql(self.seed, self.sizes, self.origin), day)
        n_logs = self._run(logs_sql(self.seed, day_number(day), lines, users), day)
        n_orders = self._run(
            orders_sql(self.seed, day_number(day), self.sizes.orders, users, dirty=dirty_orders),
            day,
        )
        return SourceLoad(day, n_users, n_logs, n_orders)

    def reload_logs(self, day: date) -> int:
        """The complete log export of ``day`` (after a partial one)."""
        users = users_on(day, self.last_day, self.sizes)
        return self._run(logs_sql(self.seed, day_number(day), self.sizes.log_lines, users), day)

    def copy_to_dev(self, days: Sequence[date]) -> None:
        """DataStudio's Run reads the dev project: give it the same ODS tables."""
        prod = self.api.workspace.config.projects.prod
        lo, hi = _bizdate(min(days)), _bizdate(max(days))
        script = [ODS_DDL]
        for table in ODS_TABLES:
            if table == "ods_item_info":
                script.append(f"INSERT OVERWRITE TABLE {table} SELECT * FROM {prod}.{table};")
            else:
                script.append(
                    f"INSERT OVERWRITE TABLE {table} PARTITION (dt) "
                    f"SELECT * FROM {prod}.{table} WHERE dt BETWEEN '{lo}' AND '{hi}';"
                )
        run = self.api.run_sql("\n".join(script), env="dev", bizdate=self.last_day, limit=10)
        if run.result.error is not None:
            raise MaxworksError(f"copying the demo data to dev failed: {run.result.error}")


def write_marker(root: Path, source: str, day: date, rows: int) -> Path:
    """The export's ``_SUCCESS`` marker (what the check nodes wait for)."""
    path = root / "landing" / source / _bizdate(day) / "_SUCCESS"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"rows={rows}\n", encoding="utf-8")
    return path
