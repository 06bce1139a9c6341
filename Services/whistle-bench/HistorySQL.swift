import WhistlePostgres

/// The statements of `HistoryLoader`, in order. The first one stores the parameters in a
/// temporary table; every later one reads them from there and from the plan (`history_plan`,
/// one row per ticket) or the timeline being made (`history_timeline`), so none takes a
/// parameter. Temporary tables are dropped at the commit.
enum HistorySQL {
    struct Parameters {
        var tickets: Int
        var days: Int
        var timeZone: String
        var dedupDays: Int
        var rawBodyDays: Int

        func values(for step: Step) -> [(any PostgresEncodable)?] {
            step.parameterized ? [tickets, days, timeZone, dedupDays, rawBodyDays] : []
        }
    }

    struct Step {
        var name: String
        var sql: String
        /// The tables whose inserted rows the step counts: its affected rows, or with
        /// `countsFromRows` the columns of its one result row.
        var counts: [String] = []
        var countsFromRows = false
        var parameterized = false
    }

    /// An instant as the services write it in JSON (RFC 3339, UTC, milliseconds).
    static func iso(_ expression: String) -> String {
        #"to_char((\#(expression)) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')"#
    }

    /// The reporter of a demand, made up from its message id: a mobile number and a common name.
    static func phone(_ messageId: String) -> String {
        "'13' || lpad((abs(hashtext(\(messageId))::bigint) % 1000000000)::text, 9, '0')"
    }
    static func name(_ messageId: String) -> String {
        "(ARRAY['王秀英', '李建国', '张丽', '刘洋', '陈静', '杨帆', '赵敏', '黄磊'])[1 + abs(hashtext(\(messageId))::bigint) % 8]"
    }

    /// A ticket's assignments: (role, department, acknowledged after, completed after).
    static let assignments = """
        (VALUES ('lead', p.lead, interval '10 minutes', interval '3 hours'), ('co', p.co, interval '15 minutes', interval '2 hours'))
            AS a(role, department, ack, done)
        """

    static let steps: [Step] = [
        // The plans' estimates of the temporary tables are huge before ANALYZE: JIT would compile for seconds.
        Step(name: "plan", sql: "SET LOCAL jit = off"),
        Step(name: "plan", sql: "SET LOCAL work_mem = '256MB'"),
        Step(
            name: "plan",
            sql: """
                CREATE TEMP TABLE history_params ON COMMIT DROP AS
                SELECT $1::int AS tickets, $2::int AS days, $3::text AS tz, $4::int AS dedup_days, $5::int AS raw_days, now() AS loaded_at
                """, parameterized: true),
        Step(name: "plan", sql: HistoryPlanSQL.plan),
        Step(name: "plan", sql: "ANALYZE history_plan"),
        Step(
            name: "ticket_sequences",
            sql: """
                INSERT INTO ticket_sequences (day, last_value) SELECT day, max(seq)::int FROM history_plan GROUP BY day
                ON CONFLICT (day) DO UPDATE SET last_value = greatest(ticket_sequences.last_value, excluded.last_value)
                """, counts: ["ticket_sequences"]),
        Step(
            name: "ticket_facts",
            sql: """
                INSERT INTO ticket_facts (ticket_no, channel, category_code, category_method, urgency, area_code, title, content,
                                          confidential, report_count, opened_at, updated_at, absorbing)
                SELECT ticket_no, channel, category, 'given', urgency, area, title, content, false, CASE WHEN merged THEN 2 ELSE 1 END,
                       opened_at, opened_at + CASE WHEN merged THEN interval '20 minutes' ELSE interval '0' END, false
                FROM history_plan
                """, counts: ["ticket_facts"]),
        Step(
            name: "ticket_states",
            sql: """
                INSERT INTO ticket_states (ticket_no, status, category_method, lead_department, dispatch_round, outcome, resolved_at,
                                           feedback_due, closed_at, updated_at)
                SELECT ticket_no, 'closed', 'given', lead, 1, CASE WHEN satisfied THEN 'satisfied' ELSE 'no_feedback' END,
                       opened_at + interval '3 hours', opened_at + interval '7 days 3 hours', closed_at, closed_at
                FROM history_plan
                """, counts: ["ticket_states"]),
        Step(name: "demands", sql: HistoryPlanSQL.demands, counts: ["demands", "demand_reporters"], countsFromRows: true),
        Step(
            name: "assignments",
            sql: """
                INSERT INTO assignments (assignment_id, ticket_no, department, role, status, round, ack_due, resolve_due,
                                         acknowledged_at, completed_at, result, created_at)
                SELECT md5(p.ticket_no || ':' || a.role)::uuid, p.ticket_no, a.department, a.role, 'completed', 1,
                       p.opened_at + interval '2 hours 1 second', p.opened_at + interval '7 days 1 second',
                       p.opened_at + a.ack, p.opened_at + a.done, '已到现场处置完毕，情况已反馈', p.opened_at + interval '1 second'
                FROM history_plan p CROSS JOIN LATERAL \(assignments)
                WHERE a.department IS NOT NULL
                """, counts: ["assignments"]),
        Step(name: "timeline", sql: HistoryTimelineSQL.timeline),
        Step(name: "timeline", sql: "SELECT setval('timeline_id_seq', (SELECT max(id) FROM history_timeline))"),
        Step(name: "timeline", sql: "ANALYZE history_timeline"),
        Step(
            name: "intake_timeline",
            sql: """
                INSERT INTO intake_timeline (id, ticket_no, at, type, actor, data, event_id)
                SELECT id, ticket_no, at, type, actor, data, event_id FROM history_timeline WHERE writer = 'intake'
                """, counts: ["intake_timeline"]),
        Step(
            name: "dispatch_timeline",
            sql: """
                INSERT INTO dispatch_timeline (id, ticket_no, at, type, actor, data, event_id)
                SELECT id, ticket_no, at, type, actor, data, event_id FROM history_timeline WHERE writer = 'dispatch'
                """, counts: ["dispatch_timeline"]),
        Step(
            name: "feedback",
            sql: """
                INSERT INTO feedback (message_id, ticket_no, satisfaction, resolved, received_at)
                SELECT 'feedback|adapter-' || p.channel || '|' || md5(p.ticket_no || ':feedback')::uuid, p.ticket_no, 'satisfied', true,
                       p.opened_at + interval '4 hours 59 minutes'
                FROM history_plan p WHERE p.satisfied
                """, counts: ["feedback"]),
        Step(name: "notifications", sql: HistoryTimelineSQL.notifications, counts: ["notifications"]),
        Step(name: "inbox", sql: HistoryTimelineSQL.inbox, counts: ["inbox"]),
        Step(
            name: "event_journal",
            sql: """
                INSERT INTO event_journal (consumer, event_id, event_type, ticket_no, occurred_at, data, recorded_at)
                SELECT 'notifier', t.event_id, t.type, t.ticket_no, t.at, t.data, t.at + interval '50 milliseconds'
                FROM history_timeline t, history_params x
                WHERE t.at > x.loaded_at - make_interval(days => x.dedup_days) AND t.type <> 'feedback.received'
                """, counts: ["event_journal"]),
        Step(
            name: "evaluator_applied",
            sql: """
                INSERT INTO evaluator_applied (event_id, applied_at)
                SELECT t.event_id, t.at + interval '50 milliseconds'
                FROM history_timeline t, history_params x
                WHERE t.at > x.loaded_at - make_interval(days => x.dedup_days) AND t.type <> 'feedback.received'
                """, counts: ["evaluator_applied"]),
        Step(name: "kpi_daily", sql: HistoryPlanSQL.kpis, counts: ["kpi_daily"]),
        Step(
            name: "demand_stats",
            sql: """
                INSERT INTO demand_stats AS s (hour, area_code, category_code, channel, count)
                SELECT date_trunc('hour', opened_at), coalesce(area, ''), coalesce(category, ''), channel,
                       sum(CASE WHEN merged THEN 2 ELSE 1 END)::int
                FROM history_plan GROUP BY 1, 2, 3, 4
                ON CONFLICT (area_code, category_code, hour, channel) DO UPDATE SET count = s.count + excluded.count
                """, counts: ["demand_stats"]),
    ]
}
