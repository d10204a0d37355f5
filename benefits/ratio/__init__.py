"""The co-payment ratio (利用者負担割合, 負担割合証): the yearly determination, recalculation on
events, the certificate."""
