"""The pure rules of care-need certification (要介護認定・要支援認定): levels, case kinds and the
transitions of a case, the application windows, the papers a case needs, validity periods and
deadlines. No database; each rule cites its article."""
