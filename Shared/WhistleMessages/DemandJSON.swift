// Demand and its parts write their own JSON (see `JSONWritable`), exactly as the synthesized
// encoding does: nil optionals omitted, keys snake_case and sorted.

extension Demand: JSONWritable {
    public func write(to w: inout JSONWriter) {
        w.beginObject()
        w.key("attachments")
        w.beginArray()
        for attachment in attachments { w.value(attachment) }
        w.endArray()
        if let callbackRequested {
            w.key("callback_requested")
            w.bool(callbackRequested)
        }
        w.optional("category", category)
        w.key("channel")
        w.string(channel.rawValue)
        w.key("content")
        w.string(content)
        w.key("external_id")
        w.string(externalId)
        w.optional("line", line)
        if let location {
            w.key("location")
            w.value(location)
        }
        if let petition {
            w.key("petition")
            w.value(petition)
        }
        if let reporter {
            w.key("reporter")
            w.value(reporter)
        }
        w.key("submitted_at")
        w.date(submittedAt)
        w.optional("title", title)
        w.key("urgency")
        w.string(urgency.rawValue)
        if let whistle {
            w.key("whistle")
            w.value(whistle)
        }
        w.endObject()
    }
}

extension Location: JSONWritable {
    public func write(to w: inout JSONWriter) {
        w.beginObject()
        w.optional("address", address)
        w.optional("grid", grid)
        if let lat {
            w.key("lat")
            w.number(lat)
        }
        if let lon {
            w.key("lon")
            w.number(lon)
        }
        w.endObject()
    }
}

extension Reporter: JSONWritable {
    public func write(to w: inout JSONWriter) {
        w.beginObject()
        w.key("anonymous")
        w.bool(anonymous)
        w.optional("id", id)
        w.optional("name", name)
        w.optional("phone", phone)
        w.endObject()
    }
}

extension Attachment: JSONWritable {
    public func write(to w: inout JSONWriter) {
        w.beginObject()
        w.key("kind")
        w.string(kind.rawValue)
        w.key("url")
        w.string(url)
        w.endObject()
    }
}

extension Whistle: JSONWritable {
    public func write(to w: inout JSONWriter) {
        w.beginObject()
        w.key("departments")
        w.beginArray()
        for department in departments { w.string(department) }
        w.endArray()
        w.optional("reason", reason)
        w.endObject()
    }
}

extension Petition: JSONWritable {
    public func write(to w: inout JSONWriter) {
        w.beginObject()
        w.key("form")
        w.string(form.rawValue)
        w.key("kind")
        w.string(kind.rawValue)
        w.key("petitioners")
        w.number(petitioners)
        w.optional("subject_unit", subjectUnit)
        w.endObject()
    }
}
