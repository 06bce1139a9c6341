/// `HistoryLoader`'s timeline (`history_timeline`: every entry of every ticket, with its writer,
/// its event id and the event's data as the services write it, numbered from `timeline_id_seq`
/// in the order the flow makes them), and what is made from it: the notifications sent, and the
/// inbox rows of the last dedup days.
enum HistoryTimelineSQL {
    static let lead = "md5(p.ticket_no || ':' || a.role)::uuid"

    /// Every entry; ids follow each ticket's order (accepted, dispatched, acknowledged, merged,
    /// completed, resolved, feedback, closed), ticket after ticket: ticket i takes the twelve ids
    /// from base + 12 (i - 1), so that no sort is needed; the sequence is moved past them next.
    static let timeline = """
        CREATE TEMP TABLE history_timeline ON COMMIT DROP AS
        SELECT b.base + (e.i - 1) * 12 + e.n AS id, e.*, md5(e.ticket_no || ':' || e.type || ':' || e.at::text)::uuid::text AS event_id
        FROM (SELECT nextval('timeline_id_seq') AS base) b, (
            SELECT * FROM (
                SELECT p.i, 1 AS n, 'intake' AS writer, p.ticket_no, p.opened_at AS at, 'ticket.accepted' AS type, 'intake' AS actor,
                       jsonb_build_object('source', jsonb_build_object(
                           'adapter', 'whistle-admin', 'channel', p.channel, 'message_id', 'history-' || p.ticket_no || '-1',
                           'external_id', 'H' || p.ticket_no || '-1')) AS data
                FROM history_plan p
                UNION ALL
                SELECT p.i, 2, 'dispatch', p.ticket_no, p.opened_at + interval '1 second', 'ticket.dispatched', 'dispatcher',
                       jsonb_build_object('rule', 'rule ' || p.category || '@default', 'round', 1, 'category', p.category, 'assignments',
                           (SELECT jsonb_agg(jsonb_build_object(
                                'role', a.role, 'ack_due', \(HistorySQL.iso("p.opened_at + interval '2 hours 1 second'")),
                                'department', a.department, 'resolve_due', \(HistorySQL.iso("p.opened_at + interval '7 days 1 second'")),
                                'assignment_id', \(lead)) ORDER BY a.role DESC)
                            FROM \(HistorySQL.assignments) WHERE a.department IS NOT NULL))
                FROM history_plan p
                UNION ALL
                SELECT p.i, CASE a.role WHEN 'lead' THEN 3 ELSE 4 END, 'dispatch', p.ticket_no, p.opened_at + a.ack,
                       'assignment.acknowledged', a.department,
                       jsonb_build_object('note', '已签收', 'role', a.role, 'on_time', true, 'department', a.department,
                           'message_id', md5(p.ticket_no || ':ack:' || a.role)::uuid, 'assignment_id', \(lead),
                           'dispatched_at', \(HistorySQL.iso("p.opened_at + interval '1 second'")))
                FROM history_plan p CROSS JOIN LATERAL \(HistorySQL.assignments) WHERE a.department IS NOT NULL
                UNION ALL
                SELECT p.i, 5, 'intake', p.ticket_no, p.opened_at + interval '20 minutes', 'ticket.merged', 'intake',
                       jsonb_build_object('source', jsonb_build_object(
                           'adapter', 'whistle-admin', 'channel', p.channel, 'message_id', 'history-' || p.ticket_no || '-2',
                           'external_id', 'H' || p.ticket_no || '-2'), 'report_count', 2, 'category', p.category, 'area', p.area,
                           'similarity', 0.9)
                FROM history_plan p WHERE p.merged
                UNION ALL
                SELECT p.i, CASE a.role WHEN 'lead' THEN 7 ELSE 6 END, 'dispatch', p.ticket_no, p.opened_at + a.done,
                       'assignment.completed', a.department,
                       jsonb_build_object('role', a.role, 'result', '已到现场处置完毕，情况已反馈', 'on_time', true, 'department', a.department,
                           'message_id', md5(p.ticket_no || ':done:' || a.role)::uuid, 'assignment_id', \(lead))
                FROM history_plan p CROSS JOIN LATERAL \(HistorySQL.assignments) WHERE a.department IS NOT NULL
                UNION ALL
                SELECT p.i, 8, 'dispatch', p.ticket_no, p.opened_at + interval '3 hours', 'ticket.resolved', p.lead,
                       jsonb_build_object('feedback_due', \(HistorySQL.iso("p.opened_at + interval '7 days 3 hours'")))
                FROM history_plan p
                UNION ALL
                SELECT p.i, 9, 'intake', p.ticket_no, p.opened_at + interval '4 hours 59 minutes', 'feedback.received', 'citizen',
                       jsonb_build_object('source', jsonb_build_object(
                           'channel', NULL, 'message_id', md5(p.ticket_no || ':feedback')::uuid, 'external_id', NULL),
                           'resolved', true, 'satisfaction', 'satisfied')
                FROM history_plan p WHERE p.satisfied
                UNION ALL
                SELECT p.i, 10, 'dispatch', p.ticket_no, p.closed_at, 'ticket.closed', CASE WHEN p.satisfied THEN 'citizen' ELSE 'dispatcher' END,
                       CASE WHEN p.satisfied THEN jsonb_build_object('outcome', 'satisfied', 'feedback', jsonb_build_object(
                                'resolved', true, 'departments', to_jsonb(array_remove(ARRAY[p.lead, p.co], NULL)),
                                'satisfaction', 'satisfied'))
                            ELSE jsonb_build_object('outcome', 'no_feedback') END
                FROM history_plan p
            ) u
        ) e
        """

    static let citizen = HistorySQL.phone("'history-' || t.ticket_no || '-1'")

    /// What the flow sends: the citizen's receipt, result and closing, and each department's
    /// assignment; all sent.
    static let notifications = """
        INSERT INTO notifications (notification_id, event_id, event_type, ticket_no, audience, recipient, template, text, urgent, status,
                                   attempts, next_attempt_at, sent_at, created_at)
        SELECT md5(t.event_id || ':' || n.audience || ':' || n.recipient)::uuid, t.event_id, t.type, t.ticket_no, n.audience, n.recipient,
               n.template, n.text, false, 'sent', 1, t.at + interval '100 milliseconds', t.at + interval '2 seconds',
               t.at + interval '100 milliseconds'
        FROM history_timeline t CROSS JOIN LATERAL (
            SELECT 'citizen' AS audience, \(citizen) AS recipient,
                   CASE t.type WHEN 'ticket.accepted' THEN 'citizen_receipt' WHEN 'ticket.resolved' THEN 'citizen_result'
                               ELSE 'citizen_closed' END AS template,
                   CASE t.type
                       WHEN 'ticket.accepted' THEN '【12345】您反映的诉求已受理，工单号' || t.ticket_no || '。我们将按时办结并答复您，请保持电话畅通。'
                       WHEN 'ticket.resolved' THEN '【12345】您反映的诉求（工单' || t.ticket_no
                           || '）已办结：已到现场处置完毕，情况已反馈。请评价办理结果：回复1满意，2基本满意，3不满意。'
                       ELSE '【12345】感谢您的评价，工单' || t.ticket_no || '已办结归档。' END AS text
            WHERE t.type IN ('ticket.accepted', 'ticket.resolved', 'ticket.closed')
            UNION ALL
            SELECT 'department', a ->> 'department', 'department_assignment',
                   '【吹哨报到】新工单' || t.ticket_no || CASE a ->> 'role' WHEN 'lead' THEN '（主办）' ELSE '（协办）' END
                   || '：请按时签收、办结。'
            FROM jsonb_array_elements(t.data -> 'assignments') a WHERE t.type = 'ticket.dispatched'
        ) n
        """

    /// The inbox rows of the last dedup days (what retention leaves), by consumer, keyed as `InboundMessage.inboxKey`: every
    /// event for notifier and evaluator, the ones dispatcher and intake's points consume, the
    /// departments' replies, the demands and the feedback.
    static let inbox = """
        INSERT INTO inbox (consumer, message_id, received_at)
        SELECT c.consumer, c.key, t.at + interval '50 milliseconds'
        FROM history_timeline t CROSS JOIN LATERAL (
            SELECT x.consumer, t.type || '|whistle-' || CASE t.writer WHEN 'intake' THEN 'intake' ELSE 'dispatcher' END || '|' || t.event_id
                AS key
            FROM unnest(CASE
                WHEN t.type = 'feedback.received' THEN ARRAY['dispatcher']
                WHEN t.type IN ('ticket.accepted', 'ticket.merged') THEN ARRAY['dispatcher', 'notifier', 'evaluator']
                WHEN t.type = 'ticket.closed' THEN ARRAY['notifier', 'evaluator', 'intake-points']
                ELSE ARRAY['notifier', 'evaluator'] END) AS x(consumer)
            UNION ALL
            SELECT 'dispatcher-replies', t.actor || '|whistle-admin|' || (t.data ->> 'message_id')
            WHERE t.type IN ('assignment.acknowledged', 'assignment.completed')
            UNION ALL
            SELECT 'intake', 'demand.' || (t.data -> 'source' ->> 'channel') || '|whistle-admin|' || (t.data -> 'source' ->> 'message_id')
            WHERE t.type IN ('ticket.accepted', 'ticket.merged')
            UNION ALL
            SELECT 'intake', 'feedback|whistle-admin|' || (t.data -> 'source' ->> 'message_id') WHERE t.type = 'feedback.received'
        ) c
        WHERE t.at > (SELECT loaded_at - make_interval(days => dedup_days) FROM history_params)
        """
}
