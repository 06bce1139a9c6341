import Foundation
import WhistleMessages

/// Period evaluation (年终考核评议, CONTRACT §10): a street office scores the district-level
/// departments of its own district (区直部门: level `district`, kind `bureau`) for a year or a
/// quarter that has begun, each department once per (street, period). A value type that returns
/// every error; no I/O.
public enum PeriodEvaluationRule {
    /// Every reason `evaluation` (with a `period`) may not be recorded (empty when it may).
    /// - Parameters:
    ///   - reference: the departments and the area tree.
    ///   - alreadyScored: the departments `evaluation.by` already evaluated for this period.
    ///   - today: the local date now, in the deployment's time zone.
    public static func check(
        _ evaluation: Evaluation, reference: ReferenceData, alreadyScored: Set<String>, today: LocalDate
    ) -> [FieldError] {
        var errors: [FieldError] = []
        guard let period = evaluation.period else {
            return [FieldError(field: "period", code: .required, message: "a period evaluation names its period")]
        }
        let street = reference.departments[evaluation.by].flatMap { $0.kind == .streetOffice ? $0 : nil }
        if street == nil {
            errors.append(
                FieldError(
                    field: "by", code: .notAllowed,
                    message: "only a street office evaluates district departments over a period, not \(evaluation.by)"))
        }
        if !period.hasBegun(by: today) {
            errors.append(
                FieldError(
                    field: "period", code: .notAllowed,
                    message: "period \(period) has not begun (it begins on \(period.firstDay)); evaluate it once it has"))
        }
        let district = street.flatMap { reference.ancestor(of: $0.area, at: .district) }
        for (index, score) in evaluation.scores.enumerated() {
            let field = "scores[\(index)].department"
            func refuse(_ message: String) { errors.append(FieldError(field: field, code: .notAllowed, message: message)) }
            guard let department = reference.departments[score.department] else {
                refuse("\(score.department) is not a known department")
                continue
            }
            if department.level != .district || department.kind != .bureau {
                refuse(
                    "\(score.department) is not a district-level department (区直部门, a district bureau); only those are evaluated over a period"
                )
            } else if let district, department.area != district.code {
                refuse("\(score.department) is not a department of \(district.code), the district of \(evaluation.by)")
            } else if alreadyScored.contains(score.department) {
                refuse("\(evaluation.by) already evaluated \(score.department) for period \(period)")
            }
        }
        return errors
    }
}
