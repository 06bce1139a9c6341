// The hot wire types write their own JSON (see `JSONWritable`): keys snake_case and sorted,
// nils omitted where the synthesized encoding omits them, null where the type's encoding says.

extension EventEnvelope: JSONWritable where Payload: JSONWritable {
    public func write(to w: inout JSONWriter) {
        w.beginObject()
        w.key("data")
        w.value(data)
        w.key("event_id")
        w.string(eventId)
        w.key("occurred_at")
        w.date(occurredAt)
        w.nullable("ticket_no", ticketNo)
        w.key("type")
        w.string(type.rawValue)
        w.endObject()
    }
}

extension MessageSource: JSONWritable {
    public func write(to w: inout JSONWriter) {
        w.beginObject()
        w.nullable("channel", channel)
        w.nullable("external_id", externalId)
        w.key("message_id")
        w.string(messageId)
        w.endObject()
    }
}

extension TicketAccepted: JSONWritable {
    public func write(to w: inout JSONWriter) {
        w.beginObject()
        w.nullable("area", area)
        w.nullable("category", category)
        w.key("source")
        w.value(source)
        w.key("urgency")
        w.string(urgency.rawValue)
        w.endObject()
    }
}

extension TicketMerged: JSONWritable {
    public func write(to w: inout JSONWriter) {
        w.beginObject()
        w.optional("area", area)
        w.optional("category", category)
        w.key("report_count")
        w.number(reportCount)
        w.key("source")
        w.value(source)
        w.endObject()
    }
}

extension DemandDuplicate: JSONWritable {
    public func write(to w: inout JSONWriter) {
        w.beginObject()
        w.key("source")
        w.value(source)
        w.endObject()
    }
}

extension InboundRejected: JSONWritable {
    public func write(to w: inout JSONWriter) {
        w.beginObject()
        w.key("errors")
        w.beginArray()
        for error in errors { w.value(error) }
        w.endArray()
        w.key("source")
        w.value(source)
        w.endObject()
    }
}

extension FieldError: JSONWritable {
    public func write(to w: inout JSONWriter) {
        w.beginObject()
        w.key("code")
        w.string(code.rawValue)
        w.nullable("field", field)
        w.key("message")
        w.string(message)
        w.endObject()
    }
}

extension Array: JSONWritable where Element == FieldError {
    public func write(to w: inout JSONWriter) {
        w.beginArray()
        for error in self { w.value(error) }
        w.endArray()
    }
}

extension FeedbackReceived: JSONWritable {
    public func write(to w: inout JSONWriter) {
        w.beginObject()
        w.optional("comment", comment)
        w.key("resolved")
        w.bool(resolved)
        w.key("satisfaction")
        w.string(satisfaction)
        w.key("source")
        w.value(source)
        w.endObject()
    }
}

extension EvaluationRecorded: JSONWritable {
    public func write(to w: inout JSONWriter) {
        w.beginObject()
        w.key("by")
        w.string(by)
        w.key("scores")
        w.beginArray()
        for score in scores {
            w.beginObject()
            w.key("department")
            w.string(score.department)
            w.key("score")
            w.number(score.score)
            w.endObject()
        }
        w.endArray()
        w.key("source")
        w.value(source)
        w.endObject()
    }
}
