#ifndef WHISTLE_CRABBITMQ_SHIM_H
#define WHISTLE_CRABBITMQ_SHIM_H
// rabbitmq-c 0.11, as Whistle's WhistleAMQP module sees it.
#include <amqp.h>
#include <amqp_framing.h>
#include <amqp_tcp_socket.h>
#include <amqp_ssl_socket.h>
#include <sys/time.h>
#include <string.h>
#include <stdint.h>

/// amqp_login is C-variadic, which Swift cannot call: a fixed-arity wrapper for PLAIN login.
static inline amqp_rpc_reply_t whistle_amqp_login_plain(
    amqp_connection_state_t state, const char *vhost, int channel_max, int frame_max,
    int heartbeat, const char *user, const char *password) {
    return amqp_login(state, vhost, channel_max, frame_max, heartbeat,
                      AMQP_SASL_METHOD_PLAIN, user, password);
}

/// Builds a timeval from milliseconds (Swift's struct initialisers for timeval differ by platform).
static inline struct timeval whistle_timeval_ms(long milliseconds) {
    struct timeval tv;
    tv.tv_sec = milliseconds / 1000;
    tv.tv_usec = (milliseconds % 1000) * 1000;
    return tv;
}

// Method ids as constants (the header's cast macros are not imported into Swift).
static const amqp_method_number_t WHISTLE_BASIC_ACK = AMQP_BASIC_ACK_METHOD;
static const amqp_method_number_t WHISTLE_BASIC_NACK = AMQP_BASIC_NACK_METHOD;
static const amqp_method_number_t WHISTLE_BASIC_RETURN = AMQP_BASIC_RETURN_METHOD;
static const amqp_method_number_t WHISTLE_CHANNEL_CLOSE = AMQP_CHANNEL_CLOSE_METHOD;
static const amqp_method_number_t WHISTLE_CONNECTION_CLOSE = AMQP_CONNECTION_CLOSE_METHOD;
static const amqp_method_number_t WHISTLE_CONNECTION_BLOCKED = AMQP_CONNECTION_BLOCKED_METHOD;
static const amqp_method_number_t WHISTLE_CONNECTION_UNBLOCKED = AMQP_CONNECTION_UNBLOCKED_METHOD;
static const amqp_method_number_t WHISTLE_BASIC_CANCEL = AMQP_BASIC_CANCEL_METHOD;
static const amqp_method_number_t WHISTLE_CHANNEL_CLOSE_OK = AMQP_CHANNEL_CLOSE_OK_METHOD;
static const amqp_method_number_t WHISTLE_CONNECTION_CLOSE_OK = AMQP_CONNECTION_CLOSE_OK_METHOD;
static const amqp_flags_t WHISTLE_PROPS_PUBLISH = AMQP_BASIC_CONTENT_TYPE_FLAG | AMQP_BASIC_DELIVERY_MODE_FLAG |
    AMQP_BASIC_MESSAGE_ID_FLAG | AMQP_BASIC_TYPE_FLAG | AMQP_BASIC_TIMESTAMP_FLAG;
static const amqp_flags_t WHISTLE_FLAG_MESSAGE_ID = AMQP_BASIC_MESSAGE_ID_FLAG;
static const amqp_flags_t WHISTLE_FLAG_TYPE = AMQP_BASIC_TYPE_FLAG;
static const amqp_flags_t WHISTLE_FLAG_USER_ID = AMQP_BASIC_USER_ID_FLAG;
static const amqp_flags_t WHISTLE_FLAG_HEADERS = AMQP_BASIC_HEADERS_FLAG;
static const amqp_flags_t WHISTLE_FLAG_CONTENT_TYPE = AMQP_BASIC_CONTENT_TYPE_FLAG;
static const amqp_flags_t WHISTLE_FLAG_TIMESTAMP = AMQP_BASIC_TIMESTAMP_FLAG;

/// A table entry with a UTF-8 string value (queue arguments such as x-queue-type).
static inline amqp_table_entry_t whistle_entry_utf8(amqp_bytes_t key, amqp_bytes_t value) {
    amqp_table_entry_t entry;
    entry.key = key;
    entry.value.kind = AMQP_FIELD_KIND_UTF8;
    entry.value.value.bytes = value;
    return entry;
}

/// A table entry with a signed 64-bit value (queue arguments such as x-delivery-limit).
static inline amqp_table_entry_t whistle_entry_i64(amqp_bytes_t key, int64_t value) {
    amqp_table_entry_t entry;
    entry.key = key;
    entry.value.kind = AMQP_FIELD_KIND_I64;
    entry.value.value.i64 = value;
    return entry;
}

/// Reads an integer header (any integer kind) into *out; returns 1 when found.
static inline int whistle_table_get_int(const amqp_table_t *table, const char *key, int64_t *out) {
    size_t len = strlen(key);
    for (int i = 0; i < table->num_entries; i++) {
        const amqp_table_entry_t *e = &table->entries[i];
        if (e->key.len != len || memcmp(e->key.bytes, key, len) != 0) continue;
        switch (e->value.kind) {
        case AMQP_FIELD_KIND_I8: *out = e->value.value.i8; return 1;
        case AMQP_FIELD_KIND_U8: *out = e->value.value.u8; return 1;
        case AMQP_FIELD_KIND_I16: *out = e->value.value.i16; return 1;
        case AMQP_FIELD_KIND_U16: *out = e->value.value.u16; return 1;
        case AMQP_FIELD_KIND_I32: *out = e->value.value.i32; return 1;
        case AMQP_FIELD_KIND_U32: *out = e->value.value.u32; return 1;
        case AMQP_FIELD_KIND_I64: *out = e->value.value.i64; return 1;
        case AMQP_FIELD_KIND_U64: *out = (int64_t)e->value.value.u64; return 1;
        default: return 0;
        }
    }
    return 0;
}

/// Finds a string header (`longstr` or `bytes`) of a table; 1 when found.
static inline int whistle_table_get_bytes(const amqp_table_t *table, const char *key, amqp_bytes_t *out) {
    size_t len = strlen(key);
    for (int i = 0; i < table->num_entries; i++) {
        const amqp_table_entry_t *e = &table->entries[i];
        if (e->key.len != len || memcmp(e->key.bytes, key, len) != 0) continue;
        if (e->value.kind == AMQP_FIELD_KIND_UTF8 || e->value.kind == AMQP_FIELD_KIND_BYTES) {
            *out = e->value.value.bytes;
            return 1;
        }
        return 0;
    }
    return 0;
}

/// Sends a heartbeat frame, so that the broker keeps a connection that is busy elsewhere.
static inline int whistle_send_heartbeat(amqp_connection_state_t state) {
    amqp_frame_t frame;
    memset(&frame, 0, sizeof frame);
    frame.frame_type = AMQP_FRAME_HEARTBEAT;
    frame.channel = 0;
    return amqp_send_frame(state, &frame);
}

/// The method id of a method frame, or 0 for other frames.
static inline amqp_method_number_t whistle_frame_method_id(const amqp_frame_t *frame) {
    return frame->frame_type == AMQP_FRAME_METHOD ? frame->payload.method.id : 0;
}

/// The decoded method of a method frame.
static inline void *whistle_frame_method(const amqp_frame_t *frame) {
    return frame->payload.method.decoded;
}

/// The basic properties carried by a content header frame, or NULL.
static inline amqp_basic_properties_t *whistle_frame_properties(const amqp_frame_t *frame) {
    return frame->frame_type == AMQP_FRAME_HEADER ? (amqp_basic_properties_t *)frame->payload.properties.decoded : NULL;
}

/// The body size announced by a content header frame.
static inline uint64_t whistle_frame_body_size(const amqp_frame_t *frame) {
    return frame->frame_type == AMQP_FRAME_HEADER ? frame->payload.properties.body_size : 0;
}

/// The length of a body frame's fragment.
static inline size_t whistle_frame_body_fragment_len(const amqp_frame_t *frame) {
    return frame->frame_type == AMQP_FRAME_BODY ? frame->payload.body_fragment.len : 0;
}
#endif
