export const TIME_WINDOWS = ['hourly', 'daily', 'weekly', 'monthly', 'total'];
export const WINDOW_TYPES = ['calendar', 'rolling'];
