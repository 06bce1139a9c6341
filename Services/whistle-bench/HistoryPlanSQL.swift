/// `HistoryLoader`'s plan (one row per ticket: its number, times, place, departments, outcome),
/// and the statements that read only the plan: demands with their reporters, the departments'
/// daily figures.
enum HistoryPlanSQL {
    /// The matters a history ticket is about: (title, content).
    static let matters = [
        ("井盖缺失", "小区门口的井盖缺失，夜间行人容易踩空，希望尽快修复。"),
        ("烧烤油烟扰民", "楼下烧烤店油烟直排，晚上窗户都不敢开，请相关部门查处。"),
        ("广场舞噪音", "广场舞音响声音太大，晚上九点后仍在播放，影响居民休息。"),
        ("商铺占道", "路边商铺占道堆放沙袋，行人只能走机动车道，很不安全。"),
        ("养老服务站不开门", "社区养老服务站长期不开门，老人想量个血压都没有地方。"),
    ]

    static func array(_ texts: [String]) -> String {
        "(ARRAY[" + texts.map { "'\($0)'" }.joined(separator: ", ") + "])"
    }

    /// One row per ticket, ticket i opened at an even step from `days` ago to a day ago, numbered
    /// after the tickets its local day already has; department and category from the default
    /// routing rules in turn, the grid from the area tree. `cleared`: closed before the raw body
    /// days (its demands lost their raw body and reporter).
    static let plan = """
        CREATE TEMP TABLE history_plan ON COMMIT DROP AS
        WITH rules AS (
            SELECT array_agg(category_code ORDER BY id) AS categories, array_agg(lead_department ORDER BY id) AS leads,
                   array_agg(coalesce(co_departments[1], '') ORDER BY id) AS cos, count(*)::int AS n
            FROM routing_rules WHERE area_code IS NULL
        ), grids AS (
            SELECT coalesce(array_agg(code ORDER BY code), '{}') AS codes, greatest(count(*)::int, 1) AS n FROM areas WHERE level = 'grid'
        ), g AS (
            SELECT i, x.loaded_at - make_interval(days => x.days)
                      + (i - 1) * ((make_interval(days => x.days) - interval '1 day') / x.tickets) AS opened_at
            FROM history_params x, generate_series(1, x.tickets) i
        ), p AS (
            SELECT g.i, g.opened_at, (g.opened_at AT TIME ZONE x.tz)::date AS day,
                   (ARRAY['12345', 'hotline', 'grid', '12345', 'hotline'])[1 + g.i % 5] AS channel,
                   CASE WHEN g.i % 12 = 0 THEN 'urgent' ELSE 'normal' END AS urgency,
                   r.categories[1 + g.i % r.n] AS category, r.leads[1 + g.i % r.n] AS lead, nullif(r.cos[1 + g.i % r.n], '') AS co,
                   gr.codes[1 + (g.i * 7) % gr.n] AS area,
                   \(array(matters.map(\.0)))[1 + g.i % \(matters.count)] AS title,
                   \(array(matters.map(\.1)))[1 + g.i % \(matters.count)] AS content,
                   g.i % 6 <> 0 OR g.opened_at > x.loaded_at - interval '9 days' AS satisfied,
                   g.i % 10 = 3 AS merged
            FROM g, history_params x, rules r, grids gr
        ), numbered AS (
            SELECT p.*, coalesce(s.last_value, 0) + row_number() OVER (PARTITION BY p.day ORDER BY p.i) AS seq,
                   CASE WHEN p.satisfied THEN p.opened_at + interval '5 hours' ELSE p.opened_at + interval '7 days 3 hours' END AS closed_at
            FROM p LEFT JOIN ticket_sequences s ON s.day = p.day
        )
        SELECT n.*, 'W' || to_char(n.day, 'YYYYMMDD') || '-' || lpad(n.seq::text, 6, '0') AS ticket_no,
               n.closed_at < x.loaded_at - make_interval(days => x.raw_days) AS cleared
        FROM numbered n, history_params x
        """

    /// Each ticket's demands (the opener, every tenth a merged second one) and, unless retention
    /// cleared them, their raw bodies, normalized forms and reporters.
    static let demands = """
        WITH d AS (
            SELECT p.*, k, 'history-' || p.ticket_no || '-' || k AS message_id, 'H' || p.ticket_no || '-' || k AS external_id,
                   p.opened_at + (k - 1) * interval '20 minutes' AS received_at
            FROM history_plan p, generate_series(1, CASE WHEN p.merged THEN 2 ELSE 1 END) k
        ), ins AS (
            INSERT INTO demands (message_id, routing_key, channel, external_id, outcome, ticket_no, raw_body, normalized, submitted_at,
                                 received_at, identity_cleared_at, points_ref, adapter)
            SELECT d.message_id, 'demand.' || d.channel, d.channel, d.external_id, CASE WHEN d.k = 1 THEN 'accepted' ELSE 'merged' END,
                   d.ticket_no,
                   CASE WHEN NOT d.cleared THEN convert_to(jsonb_build_object(
                       'external_id', d.external_id, 'submitted_at', \(HistorySQL.iso("d.received_at - interval '1 minute'")),
                       'title', d.title, 'content', d.content, 'urgency', d.urgency, 'category', d.category,
                       'location', jsonb_build_object('grid', d.area),
                       'reporter', jsonb_build_object('name', \(HistorySQL.name("d.message_id")), 'phone', \(HistorySQL.phone("d.message_id")))
                   )::text, 'UTF8') END,
                   CASE WHEN NOT d.cleared THEN jsonb_build_object(
                       'area', d.area, 'title', d.title, 'channel', d.channel, 'content', d.content, 'urgency', d.urgency,
                       'category', d.category, 'reporter', jsonb_build_object('anonymous', false),
                       'placement', jsonb_build_object('method', 'grid', 'confidence', 1), 'attachments', '[]'::jsonb,
                       'external_id', d.external_id, 'submitted_at', \(HistorySQL.iso("d.received_at - interval '1 minute'"))) END,
                   d.received_at - interval '1 minute', d.received_at,
                   CASE WHEN d.cleared THEN d.closed_at + make_interval(days => (SELECT raw_days FROM history_params)) END,
                   'phone:' || substr(md5(\(HistorySQL.phone("d.message_id"))), 1, 16), 'whistle-admin'
            FROM d
            RETURNING id, message_id, identity_cleared_at IS NULL AS kept
        ), reporters AS (
            INSERT INTO demand_reporters (demand_id, name, phone, anonymous)
            SELECT ins.id, \(HistorySQL.name("ins.message_id")), \(HistorySQL.phone("ins.message_id")), false FROM ins WHERE ins.kept
            RETURNING 1
        )
        SELECT (SELECT count(*) FROM ins)::int, (SELECT count(*) FROM reporters)::int
        """

    /// The departments' daily figures of the history: every assignment dispatched, acknowledged
    /// and completed on time; the lead's ticket resolved; the answered and satisfied surveys.
    static let kpis = """
        INSERT INTO kpi_daily AS k (department, day, dispatched, acknowledged, acknowledged_on_time, completed, completed_on_time,
                                    resolved, answered, satisfied)
        SELECT a.department, (p.opened_at AT TIME ZONE (SELECT tz FROM history_params))::date, count(*), count(*), count(*), count(*),
               count(*), count(*) FILTER (WHERE a.role = 'lead'), count(*) FILTER (WHERE p.satisfied), count(*) FILTER (WHERE p.satisfied)
        FROM history_plan p CROSS JOIN LATERAL \(HistorySQL.assignments)
        WHERE a.department IS NOT NULL
        GROUP BY 1, 2
        ON CONFLICT (department, day) DO UPDATE SET
            dispatched = k.dispatched + excluded.dispatched, acknowledged = k.acknowledged + excluded.acknowledged,
            acknowledged_on_time = k.acknowledged_on_time + excluded.acknowledged_on_time, completed = k.completed + excluded.completed,
            completed_on_time = k.completed_on_time + excluded.completed_on_time, resolved = k.resolved + excluded.resolved,
            answered = k.answered + excluded.answered, satisfied = k.satisfied + excluded.satisfied
        """
}
