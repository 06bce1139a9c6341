import CRabbitMQ

extension AMQPHandle {
    /// Declares a durable exchange (idempotent when the type matches).
    func declareExchange(_ name: String, type: String) throws(AMQPError) {
        let arena = ByteArena()
        amqp_exchange_declare(state, channel, arena.bytes(name), arena.bytes(type), 0, 1, 0, 0, amqp_empty_table)
        try check(amqp_get_rpc_reply(state), "exchange.declare \(name)")
    }

    /// Declares a durable queue with arguments (x-queue-type, x-delivery-limit, …).
    func declareQueue(_ name: String, arguments: [QueueArgument]) throws(AMQPError) {
        let arena = ByteArena()
        let entries = arguments.map { argument -> amqp_table_entry_t in
            switch argument.value {
            case .string(let text): return whistle_entry_utf8(arena.bytes(argument.key), arena.bytes(text))
            case .integer(let number): return whistle_entry_i64(arena.bytes(argument.key), number)
            }
        }
        amqp_queue_declare(state, channel, arena.bytes(name), 0, 1, 0, 0, arena.table(entries))
        try check(amqp_get_rpc_reply(state), "queue.declare \(name)")
    }

    /// Binds a queue to an exchange.
    func bind(queue: String, exchange: String, routingKey: String) throws(AMQPError) {
        let arena = ByteArena()
        amqp_queue_bind(state, channel, arena.bytes(queue), arena.bytes(exchange), arena.bytes(routingKey), amqp_empty_table)
        try check(amqp_get_rpc_reply(state), "queue.bind \(queue) → \(exchange) (\(routingKey))")
    }

    /// Removes a queue's binding to an exchange; a binding that does not exist is no error (the
    /// broker answers `unbind-ok` either way), so a start-up can remove what an earlier version bound.
    func unbind(queue: String, exchange: String, routingKey: String) throws(AMQPError) {
        let arena = ByteArena()
        amqp_queue_unbind(state, channel, arena.bytes(queue), arena.bytes(exchange), arena.bytes(routingKey), amqp_empty_table)
        try check(amqp_get_rpc_reply(state), "queue.unbind \(queue) → \(exchange) (\(routingKey))")
    }

    /// Declares a queue passively; returns its ready message count and consumer count.
    func inspectQueue(_ name: String) throws(AMQPError) -> (messages: Int, consumers: Int) {
        let arena = ByteArena()
        let ok = amqp_queue_declare(state, channel, arena.bytes(name), 1, 0, 0, 0, amqp_empty_table)
        try check(amqp_get_rpc_reply(state), "queue.declare (passive) \(name)")
        guard let ok else { return (0, 0) }
        return (Int(ok.pointee.message_count), Int(ok.pointee.consumer_count))
    }

    /// Removes every ready message from a queue; returns how many.
    func purgeQueue(_ name: String) throws(AMQPError) -> Int {
        let arena = ByteArena()
        let ok = amqp_queue_purge(state, channel, arena.bytes(name))
        try check(amqp_get_rpc_reply(state), "queue.purge \(name)")
        return Int(ok?.pointee.message_count ?? 0)
    }

    /// Deletes a queue.
    func deleteQueue(_ name: String) throws(AMQPError) {
        let arena = ByteArena()
        amqp_queue_delete(state, channel, arena.bytes(name), 0, 0)
        try check(amqp_get_rpc_reply(state), "queue.delete \(name)")
    }

    /// Puts the channel in publisher-confirm mode.
    func confirmSelect() throws(AMQPError) {
        amqp_confirm_select(state, channel)
        try check(amqp_get_rpc_reply(state), "confirm.select")
    }

    /// Sets the prefetch window of the channel.
    func qos(prefetch: Int) throws(AMQPError) {
        amqp_basic_qos(state, channel, 0, UInt16(clamping: prefetch), 0)
        try check(amqp_get_rpc_reply(state), "basic.qos")
    }

    /// Starts consuming a queue with manual acknowledgement; returns the consumer tag.
    func consume(queue: String) throws(AMQPError) -> String {
        let arena = ByteArena()
        let ok = amqp_basic_consume(state, channel, arena.bytes(queue), amqp_bytes_t(len: 0, bytes: nil), 0, 0, 0, amqp_empty_table)
        try check(amqp_get_rpc_reply(state), "basic.consume \(queue)")
        return ok?.pointee.consumer_tag.string ?? ""
    }
}
