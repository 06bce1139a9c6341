import Foundation
import Hummingbird
import WhistleDomain
import WhistlePostgres
import WhistleReliability
import WhistleRuntime

/// The points read routes (积分回馈, CONTRACT §10), scoped by `PointsAccess`:
/// - `GET /v1/points/{reporter_ref}?year=YYYY` → `{reporter_ref, year, total, awarded, entries}`:
///   `total` is the reporter's balance (what a street may still redeem), `awarded` what he earned
///   in `year` (against the yearly cap), `entries` the year's ledger entries in order. 404 when he
///   has no entry in a street the caller may read — exactly as for an unknown reporter.
/// - `GET /v1/points?street=CODE&year=YYYY` → `{street, year, workers: [{rank, reporter_ref,
///   points, total}]}`: the grid workers who earned points in that street that year, ranked by
///   those points (ties share a rank). 404 when the street is not one the caller may read.
/// `year` defaults to the current local year. No phone number is ever shown: a citizen is
/// `phone:` and a hash.
extension ReadAPI {
    /// Registers both routes.
    func pointsRoutes(_ router: Router<APIRequestContext>) {
        router.get("v1/points/:reporter_ref") { request, context in
            await respond {
                let raw = context.parameters.get("reporter_ref") ?? ""
                return try await reporterPoints(
                    raw.removingPercentEncoding ?? raw, Self.dictionary(request.uri.queryParameters), policy(context))
            }
        }
        router.get("v1/points") { request, context in
            await respond { try await streetPoints(Self.dictionary(request.uri.queryParameters), policy(context)) }
        }
    }

    func reporterPoints(_ reporterRef: String, _ parameters: [String: String], _ policy: AccessPolicy) async throws -> Response {
        let year = try pointsYear(parameters["year"])
        let access = PointsAccess(policy: policy, reference: reference.snapshot.data)
        let notFound = EvaluatorError("not_found", "no points for this reporter", status: .notFound)
        guard !access.isEmpty, !reporterRef.isEmpty, reporterRef.count <= 128 else { throw notFound }
        let body = try await pool.withConnection { connection -> String? in
            try connection.query(
                """
                SELECT json_build_object(
                    'reporter_ref', a.reporter_ref, 'year', $4::int, 'total', a.balance,
                    'awarded', (SELECT coalesce(sum(points), 0) FROM points_entries
                                WHERE reporter_ref = a.reporter_ref AND year = $4::int AND kind = 'award'),
                    'entries', coalesce((SELECT json_agg(json_strip_nulls(json_build_object(
                                    'at', e.at, 'kind', e.kind, 'points', e.points, 'requested', e.requested, 'reason', e.reason,
                                    'ticket_no', e.ticket_no, 'street', e.street_code, 'by', e.by_department,
                                    'external_id', e.external_id)) ORDER BY e.id)
                                FROM points_entries e WHERE e.reporter_ref = a.reporter_ref AND e.year = $4::int), '[]'))::text
                FROM points_accounts a
                WHERE a.reporter_ref = $1
                  AND EXISTS (SELECT 1 FROM points_entries s WHERE s.reporter_ref = a.reporter_ref
                              AND (s.street_code = ANY($2::text[]) OR ($3 AND s.street_code IS NULL)))
                """, [reporterRef, access.streets, access.unplaced, year]
            ).first?.decodeIfPresent(0, as: String.self)
        }
        guard let body else { throw notFound }
        return HTTPServer.jsonResponse(body)
    }

    func streetPoints(_ parameters: [String: String], _ policy: AccessPolicy) async throws -> Response {
        let year = try pointsYear(parameters["year"])
        guard let street = try QueryParameters.departmentCode(parameters["street"], name: "street") else {
            throw EvaluatorError("invalid_value", "street is required: the code of a street, such as XS-JD")
        }
        let access = PointsAccess(policy: policy, reference: reference.snapshot.data)
        guard access.contains(street: street) else { throw EvaluatorError("not_found", "no such street", status: .notFound) }
        let body = try await pool.withConnection { connection -> String? in
            try connection.query(
                """
                SELECT json_build_object('street', $1::text, 'year', $2::int, 'workers', coalesce(json_agg(json_build_object(
                    'rank', w.rank, 'reporter_ref', w.reporter_ref, 'points', w.points, 'total', w.total)
                    ORDER BY w.rank, w.reporter_ref), '[]'))::text
                FROM (SELECT e.reporter_ref, sum(e.points)::bigint AS points, a.balance AS total,
                             rank() OVER (ORDER BY sum(e.points) DESC) AS rank
                      FROM points_entries e JOIN points_accounts a ON a.reporter_ref = e.reporter_ref
                      WHERE e.street_code = $1 AND e.year = $2::int AND e.kind = 'award' AND e.reporter_ref NOT LIKE 'phone:%'
                      GROUP BY e.reporter_ref, a.balance) AS w
                """, [street, year]
            ).first?.decodeIfPresent(0, as: String.self)
        }
        guard let body else { throw EvaluatorError("not_found", "no such street", status: .notFound) }
        return HTTPServer.jsonResponse(body)
    }

    /// The `year` parameter (default: this local year).
    func pointsYear(_ text: String?) throws(EvaluatorError) -> Int {
        guard let text, !text.isEmpty else { return today.year }
        guard text.count == 4, let year = Int(text), year >= 2000 else {
            throw EvaluatorError("invalid_year", "year must be a year such as 2026, got \(QueryParameters.quoted(text))")
        }
        return year
    }
}
