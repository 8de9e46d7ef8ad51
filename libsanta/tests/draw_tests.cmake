# The draw: properties against brute force, fairness, out-of-memory; the plan.
santa_add_test(test_draw SOURCES test_draw.c LIBS santa_core)
santa_add_test(test_draw_plan SOURCES test_draw_plan.c LIBS santa_core)
