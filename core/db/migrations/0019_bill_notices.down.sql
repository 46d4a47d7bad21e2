DROP FUNCTION hs_bill_overdue_notify(date);
DROP TRIGGER invoices_issued ON invoices;
DROP FUNCTION hs_bill_issued();
