-- The search benchmark's data: :accounts accounts of organisation :'org'
-- (owned by 1000 account managers), 3 contacts each, with the search text
-- the server's hook would write (lowercased fields, phones also as digits;
-- internal/search.Text). The trigram indexes are built after the load.
\set ON_ERROR_STOP on
DROP INDEX IF EXISTS account_search_text;
DROP INDEX IF EXISTS contact_search_text;
INSERT INTO users (id, created_at, updated_at, subject, name, roles, last_seen_at, organization_id, calendar_token_version)
SELECT 'USBENCH' || lpad(i::text, 6, '0'), now(), now(), 'am' || lpad(i::text, 4, '0'), '客户经理 ' || i, '["ACCOUNT_MANAGER"]', now(), :'org', 0
FROM generate_series(1, 1000) i;
CREATE TEMP TABLE words AS SELECT
  ARRAY['北京','上海','广州','深圳','成都','杭州','南京','武汉','苏州','天津','重庆','西安','长沙','青岛','宁波','无锡'] AS city,
  ARRAY['华东','华北','中联','恒通','宏达','兴业','新华','云帆','佳信','立新','汇成','凯瑞','盛世','君合','信诚','宝华'] AS brand,
  ARRAY['精密机械','电子科技','医药连锁','物流','建材','食品','纺织','化工','信息技术','新材料','置业','百货','供应链管理','职业培训','汽车零部件','环保科技'] AS trade,
  ARRAY['王','李','张','刘','陈','杨','黄','赵','吴','周','徐','孙','马','朱','胡','郭'] AS surname,
  ARRAY['伟','芳','娜','敏','静','强','磊','军','洋','勇','艳','杰','涛','明','超','霞','平','刚','桂英','建华'] AS given;
INSERT INTO accounts (id, created_at, updated_at, version, name, industry, region, phone, email, lifecycle_stage, cooperation_intent, tier,
  organization_id, owner_id, member, outstanding_balance, search_text)
SELECT id, now(), now(), 1, name, trade, city, phone, email, 'ACTIVE', 'MEDIUM', (ARRAY['A','B','B','C','C'])[1 + i % 5],
  :'org', 'USBENCH' || lpad((1 + i % 1000)::text, 6, '0'), false, 0,
  lower(name || E'\n' || trade || E'\n' || city || E'\n' || email || E'\n' || phone || E'\n' || regexp_replace(phone, '[^0-9]', '', 'g'))
FROM (
  SELECT i, 'ACBENCH' || lpad(i::text, 8, '0') AS id,
    w.city[1 + i % 16] AS city, w.trade[1 + (i / 16) % 16] AS trade,
    CASE WHEN i = 777777 THEN '上海华东精密机械有限公司'
         ELSE w.city[1 + i % 16] || w.brand[1 + (i / 256) % 16] || w.trade[1 + (i / 16) % 16] || '有限公司' || i END AS name,
    CASE WHEN i = 777777 THEN '021-5080 1234' ELSE '0' || (10 + i % 90) || '-' || lpad((i::bigint * 7919 % 100000000)::text, 8, '0') END AS phone,
    CASE WHEN i = 777777 THEN 'sales@hdjm.cn' ELSE 'info' || i || '@example.cn' END AS email
  FROM generate_series(1, :accounts) i, words w
) a;
INSERT INTO contacts (id, created_at, updated_at, version, name, title, mobile, email, is_decision_maker, organization_id, account_id, search_text)
SELECT 'COBENCH' || lpad(j::text, 9, '0'), now(), now(), 1, name, '经理', mobile, 'c' || j || '@example.cn', j % 3 = 0, :'org',
  'ACBENCH' || lpad((1 + (j - 1) / 3)::text, 8, '0'),
  lower(name || E'\n' || '经理' || E'\n' || 'c' || j || '@example.cn' || E'\n' || mobile)
FROM (
  SELECT j, w.surname[1 + j % 16] || w.given[1 + (j / 16) % 20] || CASE WHEN j % 7 = 0 THEN '' ELSE w.given[1 + (j / 320) % 20] END AS name,
    '1' || (30 + j % 60) || lpad((j::bigint * 104729 % 100000000)::text, 8, '0') AS mobile
  FROM generate_series(1, 3 * :accounts) j, words w
) c;
CREATE INDEX account_search_text ON accounts USING gin (search_text gin_trgm_ops);
CREATE INDEX contact_search_text ON contacts USING gin (search_text gin_trgm_ops);
VACUUM ANALYZE;
