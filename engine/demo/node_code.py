"""The code of the demo's nodes: ODPS SQL for the DWD, DWS and ADS layers, shell for the checks.

Every SQL node creates its table (with column comments and a lifecycle) if needed and writes the
business date's partition with ``INSERT OVERWRITE ... PARTITION (dt='${bizdate}')``, reading
its inputs by ``dt='${bizdate}'`` (or a window of partitions), as a MaxCompute developer would.
"""

DWD_LOG_INFO_DI = """\
-- DWD: the raw access log parsed into columns, one row per request; crawlers removed.
-- Input: ods_raw_log_d (fields separated by ##@@). Output: dwd_log_info_di, one partition a day.
CREATE TABLE IF NOT EXISTS dwd_log_info_di (
    ip           STRING   COMMENT 'client IP',
    user_id      BIGINT   COMMENT 'user id (NULL: not logged in)',
    log_time     DATETIME COMMENT 'request time',
    method       STRING   COMMENT 'HTTP method',
    url_path     STRING   COMMENT 'path without the query string',
    page         STRING   COMMENT 'home, search, item, cart, order, pay, user, api',
    item_id      BIGINT   COMMENT 'item viewed (item pages)',
    keyword      STRING   COMMENT 'search keyword (search pages)',
    status       BIGINT   COMMENT 'HTTP status',
    bytes        BIGINT   COMMENT 'response size',
    referer_host STRING   COMMENT 'host of the referer (NULL: direct visit)',
    device       STRING   COMMENT 'ios, android, windows, mac',
    client       STRING   COMMENT 'app, wechat or browser',
    app_version  STRING   COMMENT 'ShopApp version (app only)',
    event        STRING   COMMENT 'event from the JSON payload',
    duration_ms  BIGINT   COMMENT 'time on page from the payload',
    ab_group     STRING   COMMENT 'A/B test group from the payload'
) COMMENT 'access log, parsed: one row per request (crawlers removed)'
PARTITIONED BY (dt STRING) LIFECYCLE 90;

INSERT OVERWRITE TABLE dwd_log_info_di PARTITION (dt='${bizdate}')
SELECT ip,
       CAST(IF(uid = '-', NULL, uid) AS BIGINT) AS user_id,
       TO_DATE(log_time, 'yyyy-mm-dd hh:mi:ss') AS log_time,
       SPLIT_PART(request, ' ', 1) AS method,
       SPLIT_PART(SPLIT_PART(request, ' ', 2), '?', 1) AS url_path,
       CASE WHEN SPLIT_PART(request, ' ', 2) = '/' THEN 'home'
            ELSE SPLIT_PART(SPLIT_PART(SPLIT_PART(request, ' ', 2), '?', 1), '/', 2) END AS page,
       CAST(REGEXP_EXTRACT(request, '^[A-Z]+ /item/([0-9]+)', 1) AS BIGINT) AS item_id,
       REPLACE(REGEXP_EXTRACT(request, '[?&]q=([^& ]+)', 1), '+', ' ') AS keyword,
       CAST(status AS BIGINT) AS status,
       CAST(bytes AS BIGINT) AS bytes,
       IF(referer = '-', NULL, REGEXP_EXTRACT(referer, '^https?://([^/]+)', 1)) AS referer_host,
       CASE WHEN INSTR(agent, 'iPhone') > 0 THEN 'ios'
            WHEN INSTR(agent, 'Android') > 0 THEN 'android'
            WHEN INSTR(agent, 'Macintosh') > 0 THEN 'mac'
            ELSE 'windows' END AS device,
       CASE WHEN agent LIKE 'ShopApp/%' THEN 'app'
            WHEN INSTR(agent, 'MicroMessenger') > 0 THEN 'wechat'
            ELSE 'browser' END AS client,
       REGEXP_EXTRACT(agent, '^ShopApp/([0-9.]+)', 1) AS app_version,
       GET_JSON_OBJECT(payload, '$.event') AS event,
       CAST(GET_JSON_OBJECT(payload, '$.duration_ms') AS BIGINT) AS duration_ms,
       GET_JSON_OBJECT(payload, '$.ab') AS ab_group
FROM (
    SELECT SPLIT_PART(col, '##@@', 1) AS ip,
           SPLIT_PART(col, '##@@', 2) AS uid,
           SPLIT_PART(col, '##@@', 3) AS log_time,
           SPLIT_PART(col, '##@@', 4) AS request,
           SPLIT_PART(col, '##@@', 5) AS status,
           SPLIT_PART(col, '##@@', 6) AS bytes,
           SPLIT_PART(col, '##@@', 7) AS referer,
           SPLIT_PART(col, '##@@', 8) AS agent,
           SPLIT_PART(col, '##@@', 9) AS payload
    FROM ods_raw_log_d
    WHERE dt = '${bizdate}'
) raw
WHERE agent NOT RLIKE '(?i)(spider|bot)/';
"""

DWS_USER_INFO_ALL_DI = """\
-- DWS: one row per user who visited on the business date, with the user's profile.
CREATE TABLE IF NOT EXISTS dws_user_info_all_di (
    user_id      BIGINT   COMMENT 'user id',
    gender       STRING   COMMENT 'M, F or unknown',
    age_range    STRING   COMMENT 'age band on the business date',
    city         STRING   COMMENT 'city',
    province     STRING   COMMENT 'province',
    vip_level    BIGINT   COMMENT 'membership level',
    is_new       BOOLEAN  COMMENT 'registered on the business date',
    pv           BIGINT   COMMENT 'requests',
    item_views   BIGINT   COMMENT 'item pages viewed',
    searches     BIGINT   COMMENT 'searches',
    add_carts    BIGINT   COMMENT 'items added to the cart',
    first_visit  DATETIME COMMENT 'first request of the day',
    last_visit   DATETIME COMMENT 'last request of the day',
    main_device  STRING   COMMENT 'device with the most requests',
    clients      STRING   COMMENT 'clients used, comma-separated'
) COMMENT 'visitors of the day with their profile (log x user snapshot)'
PARTITIONED BY (dt STRING) LIFECYCLE 180;

INSERT OVERWRITE TABLE dws_user_info_all_di PARTITION (dt='${bizdate}')
SELECT u.user_id,
       u.gender,
       CASE WHEN age < 18 THEN 'under 18' WHEN age < 25 THEN '18-24' WHEN age < 35 THEN '25-34'
            WHEN age < 45 THEN '35-44' WHEN age < 55 THEN '45-54' ELSE '55+' END AS age_range,
       u.city,
       u.province,
       u.vip_level,
       TO_CHAR(u.register_time, 'yyyymmdd') = '${bizdate}' AS is_new,
       l.pv, l.item_views, l.searches, l.add_carts, l.first_visit, l.last_visit,
       d.device AS main_device,
       l.clients
FROM (
    SELECT user_id,
           COUNT(*) AS pv,
           COUNT_IF(page = 'item') AS item_views,
           COUNT_IF(event = 'search') AS searches,
           COUNT_IF(event = 'add_cart') AS add_carts,
           MIN(log_time) AS first_visit,
           MAX(log_time) AS last_visit,
           WM_CONCAT(DISTINCT ',', client) WITHIN GROUP (ORDER BY client) AS clients
    FROM dwd_log_info_di
    WHERE dt = '${bizdate}' AND user_id IS NOT NULL
    GROUP BY user_id
) l
JOIN (
    SELECT user_id, gender, city, province, vip_level, register_time,
           YEAR(TO_DATE('${bizdate}', 'yyyymmdd')) - birth_year AS age
    FROM ods_user_info_d
    WHERE dt = '${bizdate}'
) u ON u.user_id = l.user_id
JOIN (
    SELECT user_id, device,
           ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY COUNT(*) DESC, device) AS rn
    FROM dwd_log_info_di
    WHERE dt = '${bizdate}' AND user_id IS NOT NULL
    GROUP BY user_id, device
) d ON d.user_id = l.user_id AND d.rn = 1;
"""

DWS_USER_ACTIVE_7D = """\
-- DWS: users active in the 7 days up to the business date: a window of 7 DWD partitions,
-- from ${last_week} (exclusive) to ${bizdate}.
CREATE TABLE IF NOT EXISTS dws_user_active_7d (
    user_id     BIGINT   COMMENT 'user id',
    active_days BIGINT   COMMENT 'days with at least one request, 1-7',
    pv_7d       BIGINT   COMMENT 'requests in the 7 days',
    last_seen   DATETIME COMMENT 'last request',
    idle_hours  BIGINT   COMMENT 'hours from the last request to the end of the business date',
    devices     STRING   COMMENT 'devices used, comma-separated'
) COMMENT 'users active in the last 7 days'
PARTITIONED BY (dt STRING) LIFECYCLE 30;

INSERT OVERWRITE TABLE dws_user_active_7d PARTITION (dt='${bizdate}')
SELECT user_id,
       COUNT(DISTINCT dt) AS active_days,
       COUNT(*) AS pv_7d,
       MAX(log_time) AS last_seen,
       DATEDIFF(DATEADD(TO_DATE('${bizdate}', 'yyyymmdd'), 1, 'dd'), MAX(log_time), 'hh') AS idle_hours,
       WM_CONCAT(DISTINCT ',', device) WITHIN GROUP (ORDER BY device) AS devices
FROM dwd_log_info_di
WHERE dt > '${last_week}' AND dt <= '${bizdate}' AND user_id IS NOT NULL
GROUP BY user_id;
"""

ADS_USER_SEGMENT_1D = """\
-- ADS: visitors by segment (age band x gender x device) for the growth team's daily report.
CREATE TABLE IF NOT EXISTS ads_user_segment_1d (
    age_range      STRING  COMMENT 'age band',
    gender         STRING  COMMENT 'M, F or unknown',
    main_device    STRING  COMMENT 'ios, android, windows, mac',
    visitors       BIGINT  COMMENT 'users who visited',
    new_users      BIGINT  COMMENT 'of which registered that day',
    avg_pv         DOUBLE  COMMENT 'requests per visitor',
    cart_rate      DOUBLE  COMMENT 'share of visitors who added to the cart',
    loyal_visitors BIGINT  COMMENT 'visitors active on 3 or more of the last 7 days'
) COMMENT 'visitor segments of the day (growth report)'
PARTITIONED BY (dt STRING) LIFECYCLE 365;

INSERT OVERWRITE TABLE ads_user_segment_1d PARTITION (dt='${bizdate}')
SELECT u.age_range,
       u.gender,
       u.main_device,
       COUNT(*) AS visitors,
       COUNT_IF(u.is_new) AS new_users,
       ROUND(AVG(u.pv), 2) AS avg_pv,
       ROUND(COUNT_IF(u.add_carts > 0) / COUNT(*), 4) AS cart_rate,
       COUNT_IF(a.active_days >= 3) AS loyal_visitors
FROM dws_user_info_all_di u
LEFT JOIN (
    SELECT user_id, active_days FROM dws_user_active_7d WHERE dt = '${bizdate}'
) a ON a.user_id = u.user_id
WHERE u.dt = '${bizdate}'
GROUP BY u.age_range, u.gender, u.main_device;
"""

DWD_TRADE_ORDER_DI = """\
-- DWD: orders of the business date, typed and cleaned: amounts as DECIMAL, status codes
-- upper-cased, the JSON ext column flattened.
CREATE TABLE IF NOT EXISTS dwd_trade_order_di (
    order_id    BIGINT        COMMENT 'order id',
    user_id     BIGINT        COMMENT 'buyer',
    order_time  DATETIME      COMMENT 'when the order was created',
    pay_time    DATETIME      COMMENT 'when it was paid',
    status      STRING        COMMENT 'UNPAID, PAID, CANCELLED, REFUNDED',
    amount      DECIMAL(10,2) COMMENT 'amount paid, CNY',
    coupon      DECIMAL(10,2) COMMENT 'coupon discount, CNY',
    pay_channel STRING        COMMENT 'alipay, wechat_pay, unionpay',
    platform    STRING        COMMENT 'app, mini_program, web',
    items       STRING        COMMENT 'order lines item_id:quantity, comma-separated',
    item_count  BIGINT        COMMENT 'number of order lines',
    pay_minutes BIGINT        COMMENT 'minutes from order to payment'
) COMMENT 'orders, cleaned: one row per order'
PARTITIONED BY (dt STRING) LIFECYCLE 365;

INSERT OVERWRITE TABLE dwd_trade_order_di PARTITION (dt='${bizdate}')
SELECT order_id,
       user_id,
       order_time,
       pay_time,
       DECODE(status, 'created', 'UNPAID', 'paid', 'PAID', 'cancelled', 'CANCELLED',
              'refunded', 'REFUNDED', 'UNKNOWN') AS status,
       CAST(amount AS DECIMAL(10,2)) AS amount,
       CAST(NVL(GET_JSON_OBJECT(ext, '$.coupon'), '0') AS DECIMAL(10,2)) AS coupon,
       IF(pay_channel = '', NULL, pay_channel) AS pay_channel,
       GET_JSON_OBJECT(ext, '$.platform') AS platform,
       items,
       SIZE(SPLIT(items, ',')) AS item_count,
       DATEDIFF(pay_time, order_time, 'mi') AS pay_minutes
FROM ods_trade_order_d
WHERE dt = '${bizdate}';
"""

DWS_TRADE_USER_1D = """\
-- DWS: one row per buyer and business date.
CREATE TABLE IF NOT EXISTS dws_trade_user_1d (
    user_id      BIGINT        COMMENT 'buyer',
    orders       BIGINT        COMMENT 'orders placed',
    paid_orders  BIGINT        COMMENT 'orders paid (refunds included)',
    gmv          DECIMAL(18,2) COMMENT 'amount of paid orders, CNY',
    refunds      DECIMAL(18,2) COMMENT 'amount refunded, CNY',
    first_order  DATETIME      COMMENT 'first order of the day',
    pay_channels STRING        COMMENT 'payment channels used, comma-separated'
) COMMENT 'buyers of the day'
PARTITIONED BY (dt STRING) LIFECYCLE 365;

INSERT OVERWRITE TABLE dws_trade_user_1d PARTITION (dt='${bizdate}')
SELECT user_id,
       COUNT(*) AS orders,
       COUNT_IF(status IN ('PAID', 'REFUNDED')) AS paid_orders,
       SUM(IF(status IN ('PAID', 'REFUNDED'), amount, 0)) AS gmv,
       SUM(IF(status = 'REFUNDED', amount, 0)) AS refunds,
       MIN(order_time) AS first_order,
       WM_CONCAT(DISTINCT ',', pay_channel) WITHIN GROUP (ORDER BY pay_channel) AS pay_channels
FROM dwd_trade_order_di
WHERE dt = '${bizdate}'
GROUP BY user_id;
"""

DWS_ITEM_SALES_1D = """\
-- DWS: sales per item and business date: order lines exploded from the items column
-- (LATERAL VIEW EXPLODE), priced from the catalogue.
CREATE TABLE IF NOT EXISTS dws_item_sales_1d (
    item_id    BIGINT        COMMENT 'item id',
    item_name  STRING        COMMENT 'item title',
    brand      STRING        COMMENT 'brand',
    category   STRING        COMMENT 'category',
    units      BIGINT        COMMENT 'units sold (paid orders)',
    orders     BIGINT        COMMENT 'paid orders with the item',
    buyers     BIGINT        COMMENT 'distinct buyers',
    sales      DECIMAL(18,2) COMMENT 'units x list price, CNY'
) COMMENT 'item sales of the day'
PARTITIONED BY (dt STRING) LIFECYCLE 365;

INSERT OVERWRITE TABLE dws_item_sales_1d PARTITION (dt='${bizdate}')
SELECT l.item_id,
       i.item_name,
       i.brand,
       i.category,
       SUM(l.qty) AS units,
       COUNT(DISTINCT l.order_id) AS orders,
       COUNT(DISTINCT l.user_id) AS buyers,
       SUM(l.qty * i.price) AS sales
FROM (
    SELECT order_id, user_id,
           CAST(SPLIT_PART(line, ':', 1) AS BIGINT) AS item_id,
           CAST(SPLIT_PART(line, ':', 2) AS BIGINT) AS qty
    FROM dwd_trade_order_di
    LATERAL VIEW EXPLODE(SPLIT(items, ',')) lines AS line
    WHERE dt = '${bizdate}' AND status = 'PAID'
) l
JOIN ods_item_info i ON i.item_id = l.item_id
GROUP BY l.item_id, i.item_name, i.brand, i.category;
"""

COUNT_PAID_ORDERS = """\
-- Assignment: the paid orders of the business date; its result is the output that
-- check_order_volume reads through its parameter paid_orders=count_paid_orders.outputs.
SELECT COUNT(*) AS paid_orders
FROM dwd_trade_order_di
WHERE dt = '${bizdate}' AND status = 'PAID';
"""

ADS_GMV_REPORT_1D = """\
-- ADS: the daily GMV report by platform and age band, with week-over-week growth
-- (${last_week} is the same weekday a week earlier).
CREATE TABLE IF NOT EXISTS ads_gmv_report_1d (
    platform       STRING        COMMENT 'app, mini_program, web',
    age_range      STRING        COMMENT 'age band of the buyer (unknown: no visit that day)',
    buyers         BIGINT        COMMENT 'buyers with a paid order',
    paid_orders    BIGINT        COMMENT 'paid orders',
    gmv            DECIMAL(18,2) COMMENT 'GMV, CNY',
    avg_order      DECIMAL(18,2) COMMENT 'GMV per paid order, CNY',
    gmv_last_week  DECIMAL(18,2) COMMENT 'GMV of the same platform and band a week earlier',
    wow            DOUBLE        COMMENT 'week-over-week growth (NULL: no data a week earlier)'
) COMMENT 'daily GMV report (finance and growth)'
PARTITIONED BY (dt STRING) LIFECYCLE 365;

INSERT OVERWRITE TABLE ads_gmv_report_1d PARTITION (dt='${bizdate}')
SELECT t.platform,
       t.age_range,
       t.buyers,
       t.paid_orders,
       t.gmv,
       CAST(t.gmv / t.paid_orders AS DECIMAL(18,2)) AS avg_order,
       w.gmv AS gmv_last_week,
       ROUND(t.gmv / w.gmv - 1, 4) AS wow
FROM (
    SELECT o.platform, NVL(u.age_range, 'unknown') AS age_range,
           COUNT(DISTINCT o.user_id) AS buyers, COUNT(*) AS paid_orders, SUM(o.amount) AS gmv
    FROM dwd_trade_order_di o
    LEFT JOIN (SELECT user_id, age_range FROM dws_user_info_all_di WHERE dt = '${bizdate}') u
        ON u.user_id = o.user_id
    WHERE o.dt = '${bizdate}' AND o.status IN ('PAID', 'REFUNDED')
    GROUP BY o.platform, NVL(u.age_range, 'unknown')
) t
LEFT JOIN (
    SELECT platform, age_range, gmv FROM ads_gmv_report_1d WHERE dt = '${last_week}'
) w ON w.platform = t.platform AND w.age_range = t.age_range;
"""

ADS_TOP_ITEMS_1D = """\
-- ADS: the 10 best-selling items of each category (ROW_NUMBER over sales).
CREATE TABLE IF NOT EXISTS ads_top_items_1d (
    category  STRING        COMMENT 'category',
    rank_no   BIGINT        COMMENT '1 = best seller',
    item_id   BIGINT        COMMENT 'item id',
    item_name STRING        COMMENT 'item title',
    units     BIGINT        COMMENT 'units sold',
    sales     DECIMAL(18,2) COMMENT 'sales, CNY',
    share     DOUBLE        COMMENT 'share of the category sales'
) COMMENT 'top 10 items per category'
PARTITIONED BY (dt STRING) LIFECYCLE 365;

INSERT OVERWRITE TABLE ads_top_items_1d PARTITION (dt='${bizdate}')
SELECT category, rank_no, item_id, item_name, units, sales, ROUND(sales / category_sales, 4)
FROM (
    SELECT category, item_id, item_name, units, sales,
           ROW_NUMBER() OVER (PARTITION BY category ORDER BY sales DESC, item_id) AS rank_no,
           SUM(sales) OVER (PARTITION BY category) AS category_sales
    FROM dws_item_sales_1d
    WHERE dt = '${bizdate}'
) ranked
WHERE rank_no <= 10;
"""

CHECK_RAW_LOG_READY = """\
#!/bin/bash
# Data-quality gate for the user behavior flow. The log collector writes
# landing/raw_log/<bizdate>/_SUCCESS (with the line count) once a day's logs are complete in
# ods_raw_log_d; nothing downstream may read a partial day, so fail until the marker is there.
# $1 = the business date (parameter day=$bizdate).
day="$1"
marker="landing/raw_log/$day/_SUCCESS"
if [ ! -s "$marker" ]; then
  echo "ods_raw_log_d partition dt=$day is incomplete: $marker is missing"
  echo "ask the log platform team to re-deliver the day, then rerun this instance"
  exit 1
fi
echo "ods_raw_log_d partition dt=$day is complete ($(cat "$marker"))"
"""

CHECK_ORDER_EXPORT = """\
#!/bin/bash
# Data-quality gate for the trade flow: the nightly export of the order database writes
# landing/trade_order/<bizdate>/_SUCCESS (with the row count) when ods_trade_order_d is loaded.
# $1 = the business date (parameter day=$bizdate).
day="$1"
marker="landing/trade_order/$day/_SUCCESS"
if [ ! -s "$marker" ]; then
  echo "ods_trade_order_d partition dt=$day is incomplete: $marker is missing"
  exit 1
fi
echo "ods_trade_order_d partition dt=$day is complete ($(cat "$marker"))"
"""

ALERT_LOW_VOLUME = """\
#!/bin/bash
# Runs only when check_order_volume takes its low-volume branch: record an alert for on-call.
# $1 = the business date, $2 = paid orders (from count_paid_orders).
day="$1"
paid="$2"
mkdir -p alerts
echo "$day paid_orders=$paid (threshold 100)" >> alerts/low_order_volume.log
echo "ALERT: only $paid paid orders on $day; check the order export and the payment gateway"
"""
