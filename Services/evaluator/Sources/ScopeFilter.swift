import WhistleDomain
import WhistlePostgres

/// A `TicketScope` as SQL: a boolean expression over the tickets row `t`, with its parameters, so
/// that every query of the read API (lists, counts, single tickets, the dashboard) filters in the
/// database and paging and counts stay right. The decision itself is `TicketScope`'s; this only
/// spells it in SQL. `TicketScope.contains` is the same rule in Swift: the unit tests check the
/// rule through it, the access matrix test (over the real read API) checks this SQL.
struct ScopeFilter {
    let scope: TicketScope

    /// The six parameters of `clause`, in order.
    var parameters: [(any PostgresEncodable)?] {
        [scope.assignedDepartment, scope.areas, scope.petitionAreas, scope.includesUnplaced, scope.conflictedUnits, scope.sameAreaUnits]
    }

    /// The expression, its parameters numbered `$first` to `$first + 5`.
    func clause(first: Int, alias t: String = "t") -> String {
        let department = "$\(first)::text"
        let areas = "$\(first + 1)::text[]"
        let petitionAreas = "$\(first + 2)::text[]"
        let unplaced = "$\(first + 3)::boolean"
        let conflicted = "$\(first + 4)::text[]"
        let sameArea = "$\(first + 5)::text[]"
        let assigned = "EXISTS (SELECT 1 FROM assignments sa WHERE sa.ticket_no = \(t).ticket_no AND sa.department = \(department))"
        return """
            ((\(assigned)
              OR \(t).area_code = ANY(\(areas)) OR (\(t).area_code IS NULL AND \(unplaced) AND cardinality(\(areas)) > 0)
              OR (\(t).channel = 'petition' AND (\(t).area_code = ANY(\(petitionAreas))
                  OR (\(t).area_code IS NULL AND \(unplaced) AND cardinality(\(petitionAreas)) > 0))))
             AND NOT (\(t).petition_kind IS NOT DISTINCT FROM 'complaint' AND \(t).subject_unit IS NOT NULL AND (
                  \(t).subject_unit = ANY(\(conflicted))
                  OR (\(t).subject_unit = ANY(\(sameArea)) AND NOT \(assigned)))))
            """
    }
}
